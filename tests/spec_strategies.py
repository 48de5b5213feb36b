"""Hypothesis strategies for spec texts that parse: layers, blocks, keyword statements,
every value form, comments and blank lines (shared by the formatter and schema tests)."""

from hypothesis import strategies as st

names = st.sampled_from(["relu", "tanh", "he", "xavier", "zeros", "a_b", "valid", "true", "false"])
numbers = st.one_of(
    st.integers(min_value=-10**6, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
shapes = st.lists(st.integers(min_value=1, max_value=512), min_size=2, max_size=3).map(lambda d: "x".join(map(str, d)))
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(
    lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
atoms = st.one_of(names, numbers.map(repr), shapes, texts, st.sampled_from(["$a", "$b"]))
values = st.one_of(
    atoms,
    st.lists(st.one_of(names, numbers.map(repr)), min_size=2, max_size=3).map(",".join),
    st.lists(st.one_of(names, numbers.map(repr), shapes), min_size=2, max_size=3).map("|".join),
)
keys = st.sampled_from(["init", "bias", "lr", "path", "rate", "stride"])


@st.composite
def layer_lines(draw):
    kind = draw(st.sampled_from(["dense", "dropout", "conv2d", "flatten", "my_layer"]))
    args = draw(st.lists(values, max_size=3))
    option_keys = draw(st.lists(keys, max_size=3, unique=True))
    options = [f"{k}={draw(values)}" for k in option_keys]
    repeat = draw(st.sampled_from(["", " x2", " x10"]))
    return " ".join([kind, *args, *options]) + repeat


@st.composite
def statements(draw):
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return "data " + draw(st.sampled_from(["iris", "my_data"])) + "".join(f" {k}={draw(values)}" for k in draw(st.lists(keys, max_size=2, unique=True)))
    if choice == 1:
        return "let " + draw(st.sampled_from(["a", "b"])) + " = " + " | ".join(draw(st.lists(atoms, min_size=1, max_size=3)))
    if choice == 2:
        return "train " + draw(names) + "".join(f" {k}={draw(values)}" for k in draw(st.lists(keys, max_size=3, unique=True)))
    if choice == 7:
        return "input " + draw(st.one_of(st.integers(1, 4096).map(str), shapes))
    if choice == 8:
        return "seed " + str(draw(st.integers(0, 2**32 - 1)))
    if choice == 9:
        return "backend " + draw(st.sampled_from(["keras", "tf1", "my_backend"]))
    if choice == 3:
        return "{ " + "; ".join(draw(st.lists(layer_lines(), min_size=1, max_size=3))) + " }" + draw(st.sampled_from(["", " x3"]))
    return draw(layer_lines())


@st.composite
def spec_texts(draw):
    lines = draw(st.lists(statements(), min_size=1, max_size=8))
    out = []
    for line in lines:
        if draw(st.booleans()):
            line += "  # " + draw(st.sampled_from(["note", "why", "x=1 | 2"]))
        out.append(line)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(["", "# own line"])))
    separator = draw(st.sampled_from(["\n", "\n\n"]))
    return separator.join(out) + "\n"




# characters that make and break structure, put into valid specs
NOISE = list(" \t;{}=|,$\"#.x0123+-eE\n\r\u2028\x0bAaZ_@")


@st.composite
def mutated_specs(draw):
    """A valid spec with up to three characters deleted or inserted: mostly broken ones."""
    text = draw(spec_texts())
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and at < len(text):
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + draw(st.sampled_from(NOISE)) + text[at:]
    return text
