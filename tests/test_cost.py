"""layer_costs, the FLOP totals and cpu_info: counts checked against hand arithmetic."""

import builtins

import pytest

import vizcnn as vz
from vizcnn import backend


def _row(table, key):
    return table.loc[key].to_dict()


def test_sequential_conv_pool_dense_by_hand(keras):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),  # valid: 6x6x4
            keras.layers.MaxPool2D(2, name="pool"),  # 3x3x4
            keras.layers.Flatten(name="flat"),  # 36
            keras.layers.Dense(5, name="dense"),
        ]
    )
    table = vz.layer_costs(model)
    assert list(table.index) == ["conv", "pool", "flat", "dense"]
    assert list(table.columns) == ["type", "output", "params", "macs", "flops", "elementwise"]
    assert _row(table, "conv") == {
        "type": "Conv2D",
        "output": (6, 6, 4),
        "params": 3 * 3 * 3 * 4 + 4,
        "macs": 3 * 3 * 3 * 4 * 6 * 6,  # kh*kw*c_in*c_out*H_out*W_out, bias free
        "flops": 2 * 3 * 3 * 3 * 4 * 6 * 6,
        "elementwise": 2 * 6 * 6 * 4,  # bias + ReLU per output element
    }
    assert _row(table, "pool") == {
        "type": "MaxPooling2D",
        "output": (3, 3, 4),
        "params": 0,
        "macs": 0,
        "flops": 0,
        "elementwise": 2 * 2 * 3 * 3 * 4,  # pool_size ops per output element
    }
    assert _row(table, "flat")["elementwise"] == 0
    assert _row(table, "dense") == {
        "type": "Dense",
        "output": (5,),
        "params": 36 * 5 + 5,
        "macs": 36 * 5,
        "flops": 2 * 36 * 5,
        "elementwise": 5,  # the bias; linear activation costs nothing
    }
    assert vz.forward_flops_per_image(model) == 2 * (3 * 3 * 3 * 4 * 36 + 36 * 5)
    assert vz.training_flops_per_image(model) == 3 * vz.forward_flops_per_image(model)


def test_depthwise_separable_grouped_and_per_position_dense(keras):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 4)),
            keras.layers.DepthwiseConv2D(
                3, depth_multiplier=2, padding="same", use_bias=False, name="dw"
            ),  # 8x8x8
            keras.layers.SeparableConv2D(6, 3, strides=2, padding="same", name="sep"),  # 4x4x6
            keras.layers.Conv2D(4, 1, groups=2, use_bias=False, name="grouped"),  # 4x4x4
            keras.layers.Dense(3, use_bias=False, name="dense"),  # per position: 4x4x3
        ]
    )
    table = vz.layer_costs(model)
    assert table.loc["dw", "macs"] == 3 * 3 * 4 * 2 * 8 * 8
    assert table.loc["dw", "elementwise"] == 0
    depthwise, pointwise = 3 * 3 * 8 * 4 * 4, 8 * 6 * 4 * 4
    assert table.loc["sep", "macs"] == depthwise + pointwise
    assert table.loc["sep", "output"] == (4, 4, 6)
    assert table.loc["sep", "params"] == 3 * 3 * 8 + 8 * 6 + 6
    assert table.loc["grouped", "macs"] == 1 * 1 * (6 // 2) * 4 * 4 * 4
    assert table.loc["dense", "macs"] == 4 * 4 * 4 * 3
    assert table.loc["dense", "output"] == (4, 4, 3)
    assert table["params"].sum() == model.count_params()


def test_nested_model_is_opened_with_outer_inner_keys(nested_cnn):
    table = vz.layer_costs(nested_cnn)
    assert list(table.index) == ["outer_conv", "block/inner_conv", "block/inner_relu", "gap"]
    assert table.loc["outer_conv", "macs"] == 3 * 3 * 3 * 4 * 8 * 8
    assert table.loc["block/inner_conv", "macs"] == 3 * 3 * 4 * 5 * 6 * 6
    assert table.loc["block/inner_conv", "output"] == (6, 6, 5)
    assert table.loc["block/inner_relu", "elementwise"] == 6 * 6 * 5
    assert table.loc["gap", "elementwise"] == 6 * 6 * 5  # one op per input element
    assert table.loc["gap", "output"] == (5,)
    assert table["params"].sum() == nested_cnn.count_params()


def test_residual_unit_with_projection(keras):
    inputs = keras.Input((8, 8, 3))
    outputs = vz.layers.ResidualUnit(4, strides=2, name="unit")(inputs)
    model = keras.Model(inputs, outputs)
    table = vz.layer_costs(model)
    assert list(table.index) == [
        "unit/conv1", "unit/bn1", "unit/act1", "unit/conv2", "unit/bn2",
        "unit/skip_conv", "unit/skip_bn", "unit/add", "unit/act_out",
    ]  # fmt: skip
    assert set(table["output"]) == {(4, 4, 4)}
    assert table.loc["unit/conv1", "macs"] == 3 * 3 * 3 * 4 * 4 * 4
    assert table.loc["unit/conv2", "macs"] == 3 * 3 * 4 * 4 * 4 * 4
    assert table.loc["unit/skip_conv", "macs"] == 1 * 1 * 3 * 4 * 4 * 4
    assert table.loc["unit/bn1", "params"] == 4 * 4  # gamma, beta, moving mean and variance
    assert table.loc["unit/bn1", "elementwise"] == 4 * 4 * 4
    assert _row(table, "unit/add") == {
        "type": "Add",
        "output": (4, 4, 4),
        "params": 0,
        "macs": 0,
        "flops": 0,
        "elementwise": 4 * 4 * 4,
    }
    assert table["params"].sum() == model.count_params()
    assert table["elementwise"].sum() == 6 * 4 * 4 * 4  # 3 BN, act1, add, act_out


def test_shared_layer_and_keras_ops_nodes(keras):
    x = keras.Input((4, 4, 2))
    shared = keras.layers.Dense(3, use_bias=False, name="shared")
    summed = keras.ops.add(shared(x), shared(keras.layers.ReLU(name="relu")(x)))
    model = keras.Model(x, summed)
    table = vz.layer_costs(model)
    # Keras numbers an op's name by how many were made before ("add", "add_5", ...)
    (add,) = [op.name for op in model.operations if type(op).__name__ == "Add"]
    assert sorted(table.index) == sorted([add, "relu", "shared", "shared#2"])
    assert table.loc[add, "type"] == "Add"
    assert list(table.loc[["shared", "shared#2"], "macs"]) == [4 * 4 * 2 * 3] * 2
    assert list(table.loc[["shared", "shared#2"], "params"]) == [6, 0]  # counted once
    assert table.loc[add, "elementwise"] == 4 * 4 * 3
    assert table["params"].sum() == model.count_params()


def test_basic_cnn_costs_179_mflop_per_image():
    model = vz.models.basic_cnn()
    table = vz.layer_costs(model)
    assert table["params"].sum() == model.count_params() == 1_413_834
    convs = [
        7 * 7 * 1 * 64 * 28 * 28,
        3 * 3 * 64 * 128 * 14 * 14,
        3 * 3 * 128 * 128 * 14 * 14,
        3 * 3 * 128 * 256 * 7 * 7,
        3 * 3 * 256 * 256 * 7 * 7,
    ]
    dense = [3 * 3 * 256 * 128, 128 * 64, 64 * 10]
    # the "about 179 MFLOP" is exactly this: 2 * MACs, no bias or ReLU counted
    assert vz.forward_flops_per_image(model) == 2 * (sum(convs) + sum(dense)) == 178_932_992
    assert vz.training_flops_per_image(model) == 3 * 178_932_992


def test_small_resnet_costs():
    model = vz.models.small_resnet()
    table = vz.layer_costs(model)
    assert table["params"].sum() == model.count_params() == 1_212_586
    assert table.loc["res3_1/conv2", "output"] == (4, 4, 256)
    assert table.loc["res3_1/conv2", "macs"] == 3 * 3 * 256 * 256 * 4 * 4
    assert vz.forward_flops_per_image(model) == 74_774_528
    # fewer FLOPs than the CNN at a similar size: downsampling comes early
    assert table["macs"].idxmax() == "res3_1/conv2"


@pytest.mark.parametrize("bad", [None, "model", 3])
def test_not_a_model_is_a_type_error_naming_model(bad):
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        vz.layer_costs(bad)


def test_bad_models(keras):
    with pytest.raises(TypeError, match="model"):
        vz.layer_costs(keras.layers.Dense(2))
    with pytest.raises(TypeError, match="no input shape yet"):
        vz.forward_flops_per_image(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="fixed input size"):
        vz.layer_costs(keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3)]))
    lam = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Lambda(lambda t: 2 * t)])
    with pytest.raises(ValueError, match="not supported by layer_costs"):
        vz.training_flops_per_image(lam)


def test_cpu_info_reads_proc_cpuinfo_without_tensorflow():
    info = backend.cpu_info()
    assert set(info) == {"cpu", "flags", "cores"}
    assert isinstance(info["cpu"], str) and info["cpu"]
    assert set(info["flags"]) <= {"avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}


def test_cpu_info_parses_and_survives_a_missing_file(monkeypatch, tmp_path):
    fake = tmp_path / "cpuinfo"
    fake.write_text("model name\t: Some CPU 9000  \nflags\t\t: sse avx2 amx_tile fma avx512f\n")
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if path == "/proc/cpuinfo":
            return real_open(fake, *args, **kwargs)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(backend, "open", fake_open, raising=False)
    info = backend.cpu_info()
    assert info["cpu"] == "Some CPU 9000"
    assert info["flags"] == ["avx2", "fma", "avx512f", "amx_tile"]

    def missing(*args, **kwargs):
        raise FileNotFoundError("/proc/cpuinfo")

    monkeypatch.setattr(backend, "open", missing, raising=False)
    assert backend.cpu_info() == {"cpu": "unknown", "flags": [], "cores": backend.os.cpu_count()}
