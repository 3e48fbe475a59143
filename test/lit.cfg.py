# lit configuration of NC's regression tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "NC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "python"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.nc_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["nc-opt", "nc-translate"],
                                   [config.nc_tools_dir])
