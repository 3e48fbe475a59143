//===- nc-fuzz-onnx-import.cpp - libFuzzer target for the ONNX importer ---===//
//
// Bytes -> nc::importOnnxBuffer -> mlir::verify -> nc::exportOnnxToStream.
// Inputs that look like text (printable ASCII and whitespace only) are also
// parsed as ONNX's protobuf text format; binary protobuf is always tried.
// Import errors are diagnostics, swallowed here: the fuzzer looks for
// crashes, sanitizer reports, leaks, timeouts and huge allocations.
//
// A module the importer accepts must verify, export, print as MLIR text that
// parses again (the import -> .mlir -> export flow of nc-translate), and its
// export must import again; anything else is a bug and aborts, so that
// libFuzzer records the input.
//
//===----------------------------------------------------------------------===//

#include "nc/Export/OnnxExport.h"
#include "nc/Import/OnnxImport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

/// An empty folder the models "live" in, so that external data lookups
/// never read files of the folder the fuzzer runs in.
std::string modelFolder;

void removeModelFolder() {
  if (!modelFolder.empty())
    llvm::sys::fs::remove(modelFolder);
}

[[noreturn]] void fail(const char *what) {
  std::fprintf(stderr, "nc-fuzz-onnx-import: %s\n", what);
  std::abort();
}

/// Whether `bytes` could be ONNX's protobuf text format.
bool looksLikeText(llvm::StringRef bytes) {
  if (bytes.empty())
    return false;
  for (unsigned char c : bytes)
    if (!(c >= 0x20 && c < 0x7f) && c != '\n' && c != '\r' && c != '\t')
      return false;
  return true;
}

void importAndExport(llvm::StringRef bytes, bool text) {
  static const mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    nc::registerToolDialects(*r);
    return r;
  }();
  // A fresh context per input: imported weights are resource blobs owned by
  // the context, so reusing one would grow without bound.
  mlir::MLIRContext ctx(*registry, mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler swallow(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });

  llvm::SmallString<256> fileName(modelFolder);
  llvm::sys::path::append(fileName, text ? "model.onnxtxt" : "model.onnx");
  mlir::OwningOpRef<mlir::ModuleOp> module =
      nc::importOnnxBuffer(bytes, fileName, &ctx, nc::ImportOptions(), text);
  if (!module)
    return;
  if (mlir::failed(mlir::verify(*module)))
    fail("the imported module does not verify");
  std::string exported;
  llvm::raw_string_ostream os(exported);
  if (mlir::failed(nc::exportOnnxToStream(*module, os, /*text=*/false)))
    fail("the imported module does not export");

  std::string ir;
  llvm::raw_string_ostream irOs(ir);
  mlir::OpPrintingFlags flags;
  flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module->print(irOs, flags);
  if (!mlir::parseSourceString<mlir::ModuleOp>(ir, mlir::ParserConfig(&ctx)))
    fail("the imported module prints as MLIR that does not parse");

  if (!nc::importOnnxBuffer(exported, fileName, &ctx))
    fail("the exported model does not import");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Protobuf logs every text-format parse error to stderr; the importer
  // reports them as diagnostics already.
  google::protobuf::SetLogHandler(nullptr);
  llvm::SmallString<256> dir;
  if (llvm::sys::fs::createUniqueDirectory("nc-fuzz-onnx", dir))
    fail("cannot create a temporary folder");
  modelFolder = dir.str().str();
  std::atexit(removeModelFolder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  importAndExport(bytes, /*text=*/false);
  if (looksLikeText(bytes))
    importAndExport(bytes, /*text=*/true);
  return 0;
}
