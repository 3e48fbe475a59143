#!/usr/bin/env python3
# make-corpus.py - regenerate the fuzzers' seed corpora in fuzz/corpus/.
#
#   .venv/bin/python fuzz/make-corpus.py [--nc-translate build/bin/nc-translate]
#
# onnx-import/: the ONNX text models of test/Import (as text, and converted
# to binary by nc-translate) and small binary models from Debian's
# libonnx-testdata, one per operator family NC handles specially (typed ops,
# Q/DQ, subgraphs, sequences, strings).
# npy/: .npy and .npz files numpy writes: every dtype NC reads, 0-d, empty,
# Fortran order, big-endian, format versions 1.0/2.0/3.0, np.savez and
# np.savez_compressed.
# The corpora are committed (they are small); run this only to change them.
import argparse
import io
import pathlib
import shutil
import subprocess
import zipfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
TESTDATA = pathlib.Path("/usr/share/libonnx-testdata/data/node")
# At most 2 KB each.
NODE_TESTS = [
    "test_add_bcast", "test_averagepool_1d_default", "test_batchnorm_example",
    "test_cast_DOUBLE_to_FLOAT", "test_castlike_FLOAT_to_BFLOAT16",
    "test_clip_default_inbounds", "test_concat_1d_axis_0", "test_constant",
    "test_constant_pad", "test_constantofshape_int_zeros",
    "test_conv_with_strides_padding", "test_convtranspose_1d",
    "test_dequantizelinear", "test_dequantizelinear_axis", "test_edge_pad",
    "test_flatten_default_axis", "test_gather_negative_indices",
    "test_gemm_default_no_bias", "test_globalaveragepool",
    "test_hardsigmoid_default", "test_hardswish", "test_if", "test_if_seq",
    "test_layer_normalization_2d_axis1", "test_leakyrelu_default",
    "test_loop11", "test_matmul_2d", "test_maxpool_1d_default",
    "test_optional_has_element", "test_quantizelinear",
    "test_quantizelinear_axis", "test_relu", "test_reshape_one_dim",
    "test_resize_upsample_sizes_cubic", "test_scan9_sum",
    "test_sequence_insert_at_back", "test_sigmoid_example",
    "test_slice_default_axes", "test_softmax_example",
    "test_split_equal_parts_2d", "test_squeeze",
    "test_strnormalizer_export_monday_casesensintive_lower",
    "test_tanh_example", "test_transpose_default", "test_unsqueeze_axis_3",
]


def onnx_corpus(nc_translate):
    out = CORPUS / "onnx-import"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for src in sorted((ROOT / "test" / "Import").glob("**/*.onnxtxt")):
        if "malformed" in src.parts:
            continue
        shutil.copy(src, out / src.name)
        mlir = subprocess.run([nc_translate, "--import-onnx-text", src],
                              check=True, capture_output=True).stdout
        subprocess.run([nc_translate, "--export-onnx", "-o",
                        out / (src.stem + ".onnx")], input=mlir, check=True)
    for name in NODE_TESTS:
        model = TESTDATA / name / "model.onnx"
        assert model.stat().st_size <= 2048, model
        shutil.copy(model, out / (name.removeprefix("test_") + ".onnx"))


def npy_corpus():
    out = CORPUS / "npy"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rng = np.random.default_rng(0)
    dtypes = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32",
              "int64", "uint64", "float16", "float32", "float64"]
    for dt in dtypes:
        a = (rng.standard_normal((2, 3)) * 10).astype(dt)
        np.save(out / f"{dt}.npy", a)
    np.save(out / "scalar.npy", np.float32(1.5))
    np.save(out / "empty.npy", np.zeros((0, 3), np.float32))
    np.save(out / "fortran.npy",
            np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)))
    np.save(out / "big-endian.npy", np.arange(4, dtype=">f4"))
    for version in [(2, 0), (3, 0)]:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.arange(3, dtype=np.int16),
                                  version=version)
        (out / f"version-{version[0]}.npy").write_bytes(buf.getvalue())
    np.savez(out / "savez.npz", a=np.arange(6, dtype=np.float32).reshape(2, 3),
             b=np.array([True, False]), scalar=np.int64(7))
    np.savez_compressed(out / "savez-compressed.npz",
                        x=np.ones((4, 4), np.float32), y=np.arange(5))
    np.savez(out / "savez-empty.npz")
    # A ZIP64 archive (numpy writes ZIP64 local extras; force the records).
    with zipfile.ZipFile(out / "zip64.npz", "w") as z:
        with z.open("w.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, np.arange(3, dtype=np.uint8))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nc-translate",
                        default=str(ROOT / "build" / "bin" / "nc-translate"))
    args = parser.parse_args()
    onnx_corpus(args.nc_translate)
    npy_corpus()


if __name__ == "__main__":
    main()
