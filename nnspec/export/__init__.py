"""Take a trained model elsewhere: export verified files, predict, generate code, import Keras models.

- `export_run(run_dir, format, out)`: a run's model as .keras, SavedModel, ONNX or TFLite,
  checked against the run's saved test predictions before it is put in place (export.py);
- `predict(run_dir, input)`: class names and probabilities for new samples (predict.py);
- `generate_code(spec, backend)`: a standalone Keras or TF1 script for a spec (code.py);
- `import_model(path)`: the spec text of a Keras Sequential model (importer.py).

Nothing here is imported by the parser side; TensorFlow loads inside the functions.
"""
