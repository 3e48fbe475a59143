//===- nc.cpp - the NC command line: run (compress, bench, inspect to come) ===//
//
//   nc run model.onnx --input x=x.npy [--inputs all.npz] --output-dir out/
//
// Exit code 0 on success, 1 on any error (with a diagnostic naming the file,
// input or node).
//
//===----------------------------------------------------------------------===//

#include "nc/Dialect/NCDialect.h"
#include "nc/Import/OnnxImport.h"
#include "nc/Runtime/Npy.h"
#include "nc/Runtime/Session.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <chrono>

using namespace llvm;

static int fail(const std::string &msg) {
  errs() << "nc: error: " << msg << "\n";
  return 1;
}

/// Loads an ONNX model or an nc module (MLIR text or bytecode).
static mlir::OwningOpRef<mlir::ModuleOp> loadModel(StringRef path,
                                                   mlir::MLIRContext &ctx,
                                                   SourceMgr &sourceMgr) {
  if (path.ends_with(".onnx"))
    return nc::importOnnxFile(path, &ctx);
  return mlir::parseSourceFile<mlir::ModuleOp>(path, sourceMgr, &ctx);
}

/// A file name for an output: its ONNX name with path characters replaced.
static std::string fileNameFor(StringRef name) {
  std::string s;
  for (char c : name)
    s += (isAlnum(c) || c == '_' || c == '-' || c == '.') ? c : '_';
  if (s.empty() || s == "." || s == "..")
    s = "output" + s;
  return s;
}

static int runCommand(int argc, char **argv) {
  cl::OptionCategory cat("nc run options");
  cl::opt<std::string> model(cl::Positional, cl::Required,
                             cl::desc("<model.onnx | model.mlir>"), cl::cat(cat));
  cl::list<std::string> inputs("input", cl::desc("NAME=FILE.npy (repeatable)"),
                               cl::value_desc("NAME=FILE"), cl::cat(cat));
  cl::opt<std::string> npz("inputs", cl::desc("An .npz with one entry per input"),
                           cl::value_desc("FILE.npz"), cl::cat(cat));
  cl::opt<std::string> outDir("output-dir",
                              cl::desc("Folder for <output>.npy files"),
                              cl::value_desc("DIR"), cl::cat(cat));
  cl::opt<std::string> outNpz("output",
                              cl::desc("An .npz with one entry per output"),
                              cl::value_desc("FILE.npz"), cl::cat(cat));
  // libLLVM already registers a global 'threads' option: read --threads
  // here, before the other options are parsed.
  int threads = 1;
  std::vector<char *> args;
  for (int i = 0; i < argc; ++i) {
    StringRef a = argv[i];
    StringRef value;
    if (a == "--threads" || a == "-threads") {
      if (i + 1 >= argc)
        return fail("--threads needs a value");
      value = argv[++i];
    } else if (a.consume_front("--threads=") || a.consume_front("-threads=")) {
      value = a;
    } else {
      args.push_back(argv[i]);
      continue;
    }
    if (value.getAsInteger(10, threads) || threads < 1)
      return fail("--threads must be a whole number of at least 1");
  }
  cl::opt<int> repeat("repeat", cl::init(1),
                      cl::desc("Run N times and print the median latency"),
                      cl::cat(cat));
  cl::opt<int> warmup("warmup", cl::init(0),
                      cl::desc("Untimed runs before the timed ones"),
                      cl::cat(cat));
  cl::opt<bool> profile("profile",
                        cl::desc("Print the time spent per op type"),
                        cl::cat(cat));
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              "nc run: run a model on NC's runtime\n"
                              "  --threads N  threads for the heavy kernels\n");
  if (outDir.empty() && outNpz.empty())
    return fail("give --output-dir DIR and/or --output FILE.npz");
  if (!outDir.empty() && !sys::fs::is_directory(outDir))
    return fail("output folder '" + outDir + "' does not exist or is not a folder");

  mlir::DialectRegistry registry;
  nc::registerToolDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diag(sourceMgr, &ctx);
  auto module = loadModel(model, ctx, sourceMgr);
  if (!module)
    return 1;

  std::string error;
  nc::SessionOptions options;
  options.threads = threads;
  options.profile = profile;
  auto session = nc::Session::create(*module, options, error);
  if (!session)
    return fail("'" + model + "': " + error);

  std::vector<std::pair<std::string, nc::Tensor>> feeds;
  if (!npz.empty()) {
    if (!nc::readNpz(npz, feeds, error))
      return fail(error);
  }
  for (const std::string &spec : inputs) {
    auto [name, file] = StringRef(spec).split('=');
    if (file.empty())
      return fail("--input '" + spec + "' is not NAME=FILE.npy");
    nc::Tensor t;
    if (!nc::readNpy(file.str(), t, error))
      return fail(error);
    feeds.emplace_back(name.str(), t);
  }

  if (repeat < 1 || warmup < 0)
    return fail("--repeat must be at least 1 and --warmup at least 0");
  std::vector<nc::Tensor> results;
  std::vector<double> times;
  for (int i = 0; i < warmup + repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!session->run(feeds, results, error))
      return fail("'" + model + "': " + error);
    if (i >= warmup)
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
  }
  std::sort(times.begin(), times.end());
  double ms = times[times.size() / 2];

  if (!outNpz.empty()) {
    std::vector<std::pair<std::string, nc::Tensor>> entries;
    for (size_t i = 0; i < results.size(); ++i)
      entries.emplace_back(session->outputs()[i].name, results[i]);
    if (!nc::writeNpz(outNpz, entries, error))
      return fail(error);
    outs() << "outputs -> " << outNpz << "\n";
  }
  for (size_t i = 0; !outDir.empty() && i < results.size(); ++i) {
    const std::string &name = session->outputs()[i].name;
    SmallString<256> path(outDir);
    sys::path::append(path, fileNameFor(name) + ".npy");
    if (!nc::writeNpy(std::string(path), results[i], error))
      return fail(error);
    outs() << name << ": " << results[i].describe() << " -> " << path << "\n";
  }
  if (profile) {
    outs() << "time per op type (all runs):\n";
    for (const nc::OpProfile &p : session->profile())
      outs() << format("  %-24s %6lld calls %10.3f ms\n", p.opType.c_str(),
                       static_cast<long long>(p.calls), p.milliseconds);
  }
  if (repeat > 1)
    outs() << format("median latency %.3f ms over %d runs (min %.3f) on %d "
                     "thread(s)\n",
                     ms, int(repeat), times.front(), threads);
  else
    outs() << format("ran in %.2f ms on %d thread(s)\n", ms, threads);
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  if (argc < 2 || StringRef(argv[1]) == "--help" || StringRef(argv[1]) == "-h") {
    outs() << "usage: nc <command> [options]\n\ncommands:\n"
              "  run   run a model on NC's runtime (inputs and outputs as .npy/.npz)\n";
    return argc < 2 ? 1 : 0;
  }
  StringRef command = argv[1];
  if (command == "run")
    return runCommand(argc - 1, argv + 1);
  return fail("unknown command '" + command.str() + "' (try 'nc --help')");
}
