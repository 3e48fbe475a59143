//===- nc-translate.cpp - ONNX <-> nc dialect translation -----------------===//
//
//   nc-translate --import-onnx model.onnx -o model.mlir
//   nc-translate --export-onnx model.mlir -o model.onnx
//
// Outputs are written to a temporary file and renamed into place.
//
//===----------------------------------------------------------------------===//

#include "nc/Dialect/NCDialect.h"
#include "nc/Export/OnnxExport.h"
#include "nc/Import/OnnxImport.h"
#include "nc/Support/AtomicFile.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace {
enum class Action { ImportOnnx, ImportOnnxText, ExportOnnx, ExportOnnxText };
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::opt<Action> action(
      cl::desc("Translation:"), cl::Required,
      cl::values(
          clEnumValN(Action::ImportOnnx, "import-onnx",
                     "ONNX model (binary) to nc MLIR"),
          clEnumValN(Action::ImportOnnxText, "import-onnx-text",
                     "ONNX model (protobuf text format) to nc MLIR"),
          clEnumValN(Action::ExportOnnx, "export-onnx",
                     "nc MLIR to an ONNX model (binary)"),
          clEnumValN(Action::ExportOnnxText, "export-onnx-text",
                     "nc MLIR to an ONNX model (protobuf text format)")));
  cl::opt<std::string> input(cl::Positional, cl::desc("<input file>"),
                             cl::init("-"));
  cl::opt<std::string> output("o", cl::desc("Output file ('-' for stdout)"),
                              cl::value_desc("file"), cl::init("-"));
  cl::opt<bool> generic("generic-nodes",
                        cl::desc("Import every node as a generic nc.node"));
  cl::opt<bool> noShapeInference(
      "no-shape-inference", cl::desc("Do not run ONNX shape inference"));
  cl::opt<bool> externalData(
      "external-data",
      cl::desc("Write large initializers to <output>.data (ONNX external data)"));
  cl::opt<bool> names(
      "keep-names", cl::init(true),
      cl::desc("Print locations, which carry ONNX node and value names, so "
               "that a re-parsed module exports with the same names"));
  cl::opt<bool> bytecode("emit-bytecode",
                         cl::desc("Write MLIR bytecode instead of text"));
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "NC translation tool\n");

  mlir::DialectRegistry registry;
  nc::registerToolDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagHandler(sourceMgr, &ctx);

  auto buffer = MemoryBuffer::getFileOrSTDIN(input, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
  if (!buffer) {
    errs() << "error: cannot read '" << input
           << "': " << buffer.getError().message() << "\n";
    return 1;
  }

  // Writes `text` or the module to the output, atomically for files.
  auto emit = [&](function_ref<bool(raw_ostream &)> write) {
    if (output == "-") {
      bool ok = write(outs());
      outs().flush();
      return ok ? 0 : 1;
    }
    std::string error;
    if (!nc::writeFileAtomically(output, write, error)) {
      if (!error.empty())
        errs() << "error: " << error << "\n";
      return 1;
    }
    return 0;
  };

  if (action == Action::ImportOnnx || action == Action::ImportOnnxText) {
    nc::ImportOptions options;
    options.typedOps = !generic;
    options.inferShapes = !noShapeInference;
    mlir::OwningOpRef<mlir::ModuleOp> module = nc::importOnnxBuffer(
        (*buffer)->getBuffer(), input == "-" ? std::string("<stdin>") : std::string(input), &ctx,
        options, action == Action::ImportOnnxText);
    if (!module)
      return 1;
    return emit([&](raw_ostream &os) {
      if (bytecode)
        return succeeded(mlir::writeBytecodeToFile(*module, os));
      mlir::OpPrintingFlags flags;
      if (names)
        flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
      module->print(os, flags);
      return true;
    });
  }

  sourceMgr.AddNewSourceBuffer(std::move(*buffer), SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &ctx);
  if (!module)
    return 1;
  nc::ExportOptions options;
  options.externalData = externalData;
  if (action == Action::ExportOnnx && output != "-")
    return failed(nc::exportOnnxFile(*module, output, options)) ? 1 : 0;
  std::string bytes;
  raw_string_ostream os(bytes);
  if (failed(nc::exportOnnxToStream(*module, os,
                                    action == Action::ExportOnnxText, options)))
    return 1;
  return emit([&](raw_ostream &out) {
    out << bytes;
    return true;
  });
}
