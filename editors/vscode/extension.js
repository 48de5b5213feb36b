// nnspec for VS Code: the language server `nnspec lsp` for every *.nn file.
// Highlighting needs no code: package.json points VS Code at the TextMate grammar.
const { workspace } = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate() {
  const command = workspace.getConfiguration('nnspec').get('command', 'nnspec');
  client = new LanguageClient(
    'nnspec',
    'nnspec',
    { command, args: ['lsp'] },  // stdio, the only transport nnspec lsp speaks
    { documentSelector: [{ language: 'nnspec' }] },
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
