//===- Npy.cpp - read and write NumPy .npy and .npz files -----------------===//
//
// A .npy file is "\x93NUMPY", a major and a minor version byte, the header
// length (2 bytes in version 1.0, 4 in 2.0 and 3.0, little-endian), the
// header -- a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a newline so that the data starts on a multiple of
// 64 bytes -- and the data.
//
// A .npz file is a zip archive of .npy members. numpy writes every local
// header with a ZIP64 extra field, and ZIP64 central directory fields and
// end records once sizes or offsets pass 2 GiB; the writer here does the
// same, so its output is byte for byte what np.savez writes.
//
// Reading never trusts a size before checking it against the bytes at hand:
// a tensor is allocated only once its data is known to be present (or, for a
// deflated member, once its size is possible for the compressed bytes).
//
//===----------------------------------------------------------------------===//

#include "nc/Runtime/Npy.h"
#include "nc/Support/AtomicFile.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

using namespace nc;
using llvm::StringRef;

namespace {

//===----------------------------------------------------------------------===//
// Little-endian bytes
//===----------------------------------------------------------------------===//

uint16_t readLE16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t readLE32(const uint8_t *p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
         (uint32_t(p[3]) << 24);
}
uint64_t readLE64(const uint8_t *p) {
  return uint64_t(readLE32(p)) | (uint64_t(readLE32(p + 4)) << 32);
}

void appendLE(std::string &s, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    s += char((v >> (8 * i)) & 0xff);
}
void appendLE16(std::string &s, uint64_t v) { appendLE(s, v, 2); }
void appendLE32(std::string &s, uint64_t v) { appendLE(s, v, 4); }
void appendLE64(std::string &s, uint64_t v) { appendLE(s, v, 8); }

/// Reverses the bytes of each `elemSize`-byte element in place.
void byteSwap(uint8_t *data, size_t bytes, size_t elemSize) {
  if (elemSize < 2)
    return;
  for (size_t i = 0; i + elemSize <= bytes; i += elemSize)
    std::reverse(data + i, data + i + elemSize);
}

std::string quote(StringRef s) { return "'" + s.str() + "'"; }

/// `s` for a message: at most `limit` bytes, non-printable ones as '?'.
std::string printable(StringRef s, size_t limit = 60) {
  std::string out;
  for (char c : s.take_front(limit))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > limit)
    out += "...";
  return out;
}

//===----------------------------------------------------------------------===//
// Data types
//===----------------------------------------------------------------------===//

struct DTypeCode {
  DType dtype;
  char kind; // numpy's kind character: 'f', 'i', 'u' or 'b'.
};

const DTypeCode kDTypeCodes[] = {
    {DType::F32, 'f'}, {DType::F64, 'f'}, {DType::F16, 'f'},
    {DType::I8, 'i'},  {DType::U8, 'u'},  {DType::I16, 'i'},
    {DType::U16, 'u'}, {DType::I32, 'i'}, {DType::U32, 'u'},
    {DType::I64, 'i'}, {DType::U64, 'u'}, {DType::Bool, 'b'},
};

/// numpy's little-endian descr of `dtype` ("<f4", "|u1"); false for bf16.
bool descrOf(DType dtype, std::string &descr) {
  for (const DTypeCode &c : kDTypeCodes) {
    if (c.dtype != dtype)
      continue;
    size_t size = dtypeSize(dtype);
    descr = size == 1 ? "|" : "<";
    descr += c.kind;
    descr += std::to_string(size);
    return true;
  }
  return false;
}

/// Maps a descr such as "<f4", ">i8", "|b1" or "?" to a DType; `bigEndian`
/// says whether the file's bytes are big-endian.
bool parseDescr(StringRef descr, DType &dtype, bool &bigEndian,
                std::string &problem) {
  StringRef code = descr;
  char order = '=';
  if (!code.empty() && StringRef("<>|=").contains(code.front())) {
    order = code.front();
    code = code.drop_front();
  }
  if (code == "?")
    code = "b1";
  if (code.size() == 2 && code[1] >= '1' && code[1] <= '8') {
    for (const DTypeCode &c : kDTypeCodes) {
      if (c.kind == code[0] && dtypeSize(c.dtype) == size_t(code[1] - '0')) {
        dtype = c.dtype;
        bigEndian =
            order == '>' || (order != '<' && llvm::sys::IsBigEndianHost);
        return true;
      }
    }
  }
  problem = "unsupported dtype " + quote(printable(descr)) +
            " (supported: bool, int8 to int64, uint8 to uint64, float16, "
            "float32, float64)";
  return false;
}

//===----------------------------------------------------------------------===//
// The header: a Python dict literal
//===----------------------------------------------------------------------===//

/// A parsed Python literal: the subset ast.literal_eval accepts that can
/// appear in a .npy header.
struct PyValue {
  enum Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = None;
  std::string text;       // Str: the string; Int: the token as written.
  bool negative = false;  // Int.
  uint64_t magnitude = 0; // Int.
  bool tooLarge = false;  // Int: does not fit 64 bits.
  bool boolean = false;   // Bool.
  std::vector<PyValue> items; // Tuple, List; Dict: key, value, key, ...
};

const char *kindName(PyValue::Kind k) {
  switch (k) {
  case PyValue::Str: return "a string";
  case PyValue::Int: return "an integer";
  case PyValue::Bool: return "a boolean";
  case PyValue::None: return "None";
  case PyValue::Tuple: return "a tuple";
  case PyValue::List: return "a list";
  case PyValue::Dict: return "a dict";
  }
  return "?";
}

class PyLiteralParser {
public:
  explicit PyLiteralParser(StringRef text) : text(text) {}

  /// Parses the whole text as one literal; on failure `problem` says what
  /// was expected where.
  bool parse(PyValue &value, std::string &problem) {
    if (!parseValue(value, 0)) {
      problem = why;
      return false;
    }
    skipSpace();
    if (pos != text.size()) {
      fail("unexpected " + describeNext() + " after the dictionary");
      problem = why;
      return false;
    }
    return true;
  }

private:
  static constexpr unsigned kMaxDepth = 32;

  StringRef text;
  size_t pos = 0;
  std::string why;

  bool fail(const std::string &what) {
    why = what + " at offset " + std::to_string(pos);
    return false;
  }

  std::string describeNext() const {
    if (pos >= text.size())
      return "end of header";
    unsigned char c = text[pos];
    if (c >= 0x20 && c < 0x7f)
      return "'" + std::string(1, char(c)) + "'";
    const char *hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
  }

  void skipSpace() {
    while (pos < text.size() && StringRef(" \t\n\r\f\v").contains(text[pos]))
      ++pos;
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool isIdentChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) ||
           c == '_';
  }

  bool parseValue(PyValue &v, unsigned depth) {
    if (depth > kMaxDepth)
      return fail("values nested too deeply");
    skipSpace();
    if (pos >= text.size())
      return fail("unexpected end of header");
    char c = text[pos];
    if (c == '\'' || c == '"')
      return parseString(v);
    if (c == '(')
      return parseSequence(v, depth, ')');
    if (c == '[')
      return parseSequence(v, depth, ']');
    if (c == '{')
      return parseDict(v, depth);
    if (isDigit(c) || c == '-' || c == '+')
      return parseInt(v);
    if (isIdentChar(c)) {
      size_t start = pos;
      while (pos < text.size() && isIdentChar(text[pos]))
        ++pos;
      StringRef word = text.slice(start, pos);
      if (word == "True" || word == "False") {
        v.kind = PyValue::Bool;
        v.boolean = word == "True";
        return true;
      }
      if (word == "None") {
        v.kind = PyValue::None;
        return true;
      }
      pos = start;
      return fail("unexpected name " + quote(printable(word)));
    }
    return fail("unexpected " + describeNext());
  }

  bool parseString(PyValue &v) {
    char q = text[pos++];
    v.kind = PyValue::Str;
    while (pos < text.size() && text[pos] != q) {
      char c = text[pos++];
      if (c == '\n')
        return fail("unterminated string");
      if (c == '\\') {
        if (pos >= text.size())
          break;
        c = text[pos++];
        if (c == 'n')
          c = '\n';
        else if (c == 't')
          c = '\t';
      }
      v.text += c;
    }
    if (pos >= text.size())
      return fail("unterminated string");
    ++pos;
    return true;
  }

  bool parseInt(PyValue &v) {
    size_t start = pos;
    v.kind = PyValue::Int;
    if (text[pos] == '-' || text[pos] == '+') {
      v.negative = text[pos] == '-';
      ++pos;
      skipSpace();
    }
    if (pos >= text.size() || !isDigit(text[pos]))
      return fail("expected a digit");
    while (pos < text.size() && (isDigit(text[pos]) || text[pos] == '_')) {
      if (text[pos] != '_') {
        unsigned d = text[pos] - '0';
        if (v.magnitude > (std::numeric_limits<uint64_t>::max() - d) / 10)
          v.tooLarge = true;
        else
          v.magnitude = v.magnitude * 10 + d;
      }
      ++pos;
    }
    // Python 2's long suffix, which old numpy versions wrote ("(3L, 4L)").
    if (pos < text.size() && (text[pos] == 'L' || text[pos] == 'l'))
      ++pos;
    v.text = text.slice(start, pos).str();
    if (v.negative && v.magnitude == 0)
      v.negative = false;
    return true;
  }

  bool parseSequence(PyValue &v, unsigned depth, char close) {
    ++pos;
    v.kind = close == ')' ? PyValue::Tuple : PyValue::List;
    bool sawComma = false;
    while (true) {
      skipSpace();
      if (pos < text.size() && text[pos] == close)
        break;
      v.items.emplace_back();
      if (!parseValue(v.items.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        sawComma = true;
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == close)
        break;
      return fail(std::string("expected ',' or '") + close + "', found " +
                  describeNext());
    }
    ++pos;
    // "(x)" is x in parentheses, not a tuple.
    if (close == ')' && v.items.size() == 1 && !sawComma) {
      PyValue inner = std::move(v.items.front());
      v = std::move(inner);
    }
    return true;
  }

  bool parseDict(PyValue &v, unsigned depth) {
    ++pos;
    v.kind = PyValue::Dict;
    while (true) {
      skipSpace();
      if (pos < text.size() && text[pos] == '}')
        break;
      v.items.emplace_back();
      if (!parseValue(v.items.back(), depth + 1))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("expected ':' after a key, found " + describeNext());
      ++pos;
      v.items.emplace_back();
      if (!parseValue(v.items.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}')
        break;
      return fail("expected ',' or '}', found " + describeNext());
    }
    ++pos;
    return true;
  }
};

/// What a .npy header says.
struct NpyHeader {
  DType dtype = DType::F32;
  bool bigEndian = false;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  uint64_t dataBytes = 0;
};

/// "float32[2x3]", as Tensor::describe() says it.
std::string describe(const NpyHeader &h) {
  std::string s = dtypeName(h.dtype);
  s += "[";
  for (size_t i = 0; i < h.shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(h.shape[i]);
  return s + "]";
}

/// The header text for messages, shortened and with its padding dropped.
std::string headerExcerpt(StringRef text) {
  return printable(text.rtrim(" \t\n\r"), 120);
}

bool interpretHeader(StringRef text, NpyHeader &h, std::string &problem) {
  PyValue dict;
  std::string why;
  if (!PyLiteralParser(text).parse(dict, why)) {
    problem = "header is not a valid dictionary (" + why + "): " +
              headerExcerpt(text);
    return false;
  }
  if (dict.kind != PyValue::Dict) {
    problem = std::string("header is not a valid dictionary (it is ") +
              kindName(dict.kind) + "): " + headerExcerpt(text);
    return false;
  }
  const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    const PyValue &key = dict.items[i];
    if (key.kind != PyValue::Str) {
      problem = std::string("header is not a valid dictionary (a key is ") +
                kindName(key.kind) + ", not a string): " + headerExcerpt(text);
      return false;
    }
    const PyValue **slot = key.text == "descr"           ? &descr
                           : key.text == "fortran_order" ? &fortran
                           : key.text == "shape"         ? &shape
                                                         : nullptr;
    if (!slot) {
      problem = "header has an unexpected key " + quote(printable(key.text)) +
                " (expected 'descr', 'fortran_order' and 'shape')";
      return false;
    }
    if (*slot) {
      problem = "header has the key " + quote(key.text) + " twice";
      return false;
    }
    *slot = &dict.items[i + 1];
  }
  for (auto [value, name] : {std::pair(descr, "descr"),
                             std::pair(fortran, "fortran_order"),
                             std::pair(shape, "shape")}) {
    if (!value) {
      problem = std::string("header has no '") + name + "' key";
      return false;
    }
  }

  if (descr->kind == PyValue::List) {
    problem = "unsupported dtype: structured arrays (a 'descr' list) are not "
              "supported";
    return false;
  }
  if (descr->kind != PyValue::Str) {
    problem = std::string("header's 'descr' is ") + kindName(descr->kind) +
              ", not a string";
    return false;
  }
  if (!parseDescr(descr->text, h.dtype, h.bigEndian, problem))
    return false;

  if (fortran->kind != PyValue::Bool) {
    problem = std::string("header's 'fortran_order' is ") +
              kindName(fortran->kind) + ", not True or False";
    return false;
  }
  h.fortranOrder = fortran->boolean;

  if (shape->kind != PyValue::Tuple) {
    problem = std::string("header's 'shape' is ") + kindName(shape->kind) +
              ", not a tuple of integers";
    return false;
  }
  std::string shapeText = "(";
  for (size_t i = 0; i < shape->items.size(); ++i) {
    const PyValue &d = shape->items[i];
    if (d.kind != PyValue::Int) {
      problem = std::string("header's 'shape' has ") + kindName(d.kind) +
                ", not an integer, at index " + std::to_string(i);
      return false;
    }
    shapeText += (i ? ", " : "") + d.text;
  }
  shapeText += shape->items.size() == 1 ? ",)" : ")";
  shapeText = printable(shapeText, 120);

  uint64_t elements = 1;
  h.shape.clear();
  for (const PyValue &d : shape->items) {
    if (d.negative) {
      problem = "shape " + shapeText + " has a negative dimension";
      return false;
    }
    if (d.tooLarge ||
        d.magnitude > uint64_t(std::numeric_limits<int64_t>::max())) {
      problem = "shape " + shapeText + " has a dimension that is too large";
      return false;
    }
    if (__builtin_mul_overflow(elements, d.magnitude, &elements) ||
        elements > uint64_t(std::numeric_limits<int64_t>::max())) {
      problem = "shape " + shapeText +
                " is too large (its element count overflows 64 bits)";
      return false;
    }
    h.shape.push_back(int64_t(d.magnitude));
  }
  if (__builtin_mul_overflow(elements, uint64_t(dtypeSize(h.dtype)),
                             &h.dataBytes) ||
      h.dataBytes > uint64_t(std::numeric_limits<int64_t>::max())) {
    problem = "shape " + shapeText + " is too large (its byte size of " +
              dtypeName(h.dtype) + " elements overflows 64 bits)";
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Sequential input: a memory buffer or a raw deflate stream
//===----------------------------------------------------------------------===//

class ByteReader {
public:
  virtual ~ByteReader() = default;
  /// Bytes left to read (for a deflate stream: as the zip directory says).
  virtual uint64_t remaining() const = 0;
  /// Reads exactly `n` bytes, `n` <= remaining().
  virtual bool read(uint8_t *dst, size_t n, std::string &problem) = 0;
  /// Checks, once everything has been read, that the input is sound.
  virtual bool finish(std::string &problem) { return true; }
};

class MemoryReader : public ByteReader {
public:
  MemoryReader(const uint8_t *data, uint64_t size) : p(data), left(size) {}
  uint64_t remaining() const override { return left; }
  bool read(uint8_t *dst, size_t n, std::string &) override {
    if (n)
      std::memcpy(dst, p, n);
    p += n;
    left -= n;
    return true;
  }

private:
  const uint8_t *p;
  uint64_t left;
};

/// Inflates a raw deflate stream (a zip member) of `usize` bytes, checking
/// its CRC-32 at the end.
class InflateReader : public ByteReader {
public:
  InflateReader(const uint8_t *in, uint64_t csize, uint64_t usize,
                uint32_t crc)
      : in(in), inLeft(csize), outLeft(usize), expectedCrc(crc) {
    initialized = inflateInit2(&zs, -15) == Z_OK;
  }
  ~InflateReader() override {
    if (initialized)
      inflateEnd(&zs);
  }

  uint64_t remaining() const override { return outLeft; }

  bool read(uint8_t *dst, size_t n, std::string &problem) override {
    if (!initialized) {
      problem = "cannot initialize zlib";
      return false;
    }
    while (n > 0) {
      if (ended) {
        problem = "its deflate data ends before the size the zip directory "
                  "gives";
        return false;
      }
      unsigned chunk = unsigned(std::min<size_t>(n, 1u << 30));
      size_t got;
      if (!step(dst, chunk, got, problem))
        return false;
      crc = crc32_z(crc, dst, got);
      dst += got;
      n -= got;
      outLeft -= got;
    }
    return true;
  }

  bool finish(std::string &problem) override {
    if (!initialized) {
      problem = "cannot initialize zlib";
      return false;
    }
    while (!ended) {
      uint8_t scratch;
      size_t got;
      if (!step(&scratch, 1, got, problem))
        return false;
      if (got) {
        problem = "its deflate data is longer than the size the zip "
                  "directory gives";
        return false;
      }
    }
    if (crc != expectedCrc) {
      problem = "CRC-32 mismatch (the archive is corrupt)";
      return false;
    }
    return true;
  }

private:
  const uint8_t *in;
  uint64_t inLeft;
  uint64_t outLeft;
  uint32_t expectedCrc;
  uLong crc = crc32_z(0, nullptr, 0);
  z_stream zs{};
  bool initialized = false;
  bool ended = false;

  /// One call of inflate() into `dst[0, chunk)`.
  bool step(uint8_t *dst, unsigned chunk, size_t &got, std::string &problem) {
    if (zs.avail_in == 0 && inLeft > 0) {
      zs.next_in = const_cast<Bytef *>(in);
      zs.avail_in = unsigned(std::min<uint64_t>(inLeft, 1u << 30));
      in += zs.avail_in;
      inLeft -= zs.avail_in;
    }
    unsigned inBefore = zs.avail_in;
    zs.next_out = dst;
    zs.avail_out = chunk;
    int rc = inflate(&zs, Z_NO_FLUSH);
    got = chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      ended = true;
      return true;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (got || zs.avail_in != inBefore)
        return true;
      if (zs.avail_in == 0 && inLeft == 0) {
        problem = "its deflate data is truncated";
        return false;
      }
    }
    problem = std::string("its deflate data is invalid (") +
              (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) + ")";
    return false;
  }
};

//===----------------------------------------------------------------------===//
// Reading .npy
//===----------------------------------------------------------------------===//

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// Rewrites a column-major (Fortran-order) tensor in row-major order.
Tensor fortranToRowMajor(const Tensor &f) {
  const std::vector<int64_t> &shape = f.shape();
  size_t rank = shape.size();
  int64_t count = f.numElements();
  if (rank < 2 || count == 0)
    return f;
  size_t es = dtypeSize(f.dtype());
  Tensor c(f.dtype(), shape);
  std::vector<int64_t> stride(rank, 1), index(rank, 0);
  for (size_t k = 1; k < rank; ++k)
    stride[k] = stride[k - 1] * shape[k - 1];
  const uint8_t *src = f.data<uint8_t>();
  uint8_t *dst = c.data<uint8_t>();
  int64_t offset = 0;
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(dst + i * es, src + offset * es, es);
    for (size_t k = rank; k-- > 0;) {
      if (++index[k] < shape[k]) {
        offset += stride[k];
        break;
      }
      index[k] = 0;
      offset -= stride[k] * (shape[k] - 1);
    }
  }
  return c;
}

bool readNpyFrom(ByteReader &in, Tensor &out, std::string &problem) {
  uint64_t total = in.remaining();
  if (total == 0) {
    problem = "not a .npy file (it is empty)";
    return false;
  }
  uint8_t pre[12];
  size_t n = size_t(std::min<uint64_t>(total, kMagicSize));
  if (!in.read(pre, n, problem))
    return false;
  if (std::memcmp(pre, kMagic, n) != 0) {
    problem = "not a .npy file (bad magic)";
    return false;
  }
  if (total < 10) {
    problem = "header is truncated: expected at least 10 bytes, found " +
              std::to_string(total);
    return false;
  }
  if (!in.read(pre + 6, 2, problem))
    return false;
  unsigned major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0) {
    problem = "unsupported .npy format version " + std::to_string(major) +
              "." + std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)";
    return false;
  }
  size_t lengthBytes = major == 1 ? 2 : 4;
  if (in.remaining() < lengthBytes) {
    problem = "header is truncated: expected at least " +
              std::to_string(8 + lengthBytes) + " bytes, found " +
              std::to_string(total);
    return false;
  }
  if (!in.read(pre + 8, lengthBytes, problem))
    return false;
  uint64_t headerLength = major == 1 ? readLE16(pre + 8) : readLE32(pre + 8);
  if (in.remaining() < headerLength) {
    problem = "header is truncated: expected " + std::to_string(headerLength) +
              " bytes, found " + std::to_string(in.remaining());
    return false;
  }
  std::string header(size_t(headerLength), '\0');
  if (!in.read(reinterpret_cast<uint8_t *>(&header[0]), header.size(),
               problem))
    return false;

  NpyHeader h;
  if (!interpretHeader(header, h, problem))
    return false;
  uint64_t found = in.remaining();
  if (found < h.dataBytes) {
    problem = "data is truncated: expected " + std::to_string(h.dataBytes) +
              " bytes, found " + std::to_string(found);
    return false;
  }
  if (found > h.dataBytes) {
    problem = "data size mismatch: " + describe(h) + " needs " +
              std::to_string(h.dataBytes) + " bytes, but " +
              std::to_string(found) + " follow the header";
    return false;
  }
  Tensor t(h.dtype, h.shape);
  if (!in.read(t.data<uint8_t>(), size_t(h.dataBytes), problem) ||
      !in.finish(problem))
    return false;
  if (h.bigEndian != llvm::sys::IsBigEndianHost)
    byteSwap(t.data<uint8_t>(), size_t(h.dataBytes), dtypeSize(h.dtype));
  out = h.fortranOrder ? fortranToRowMajor(t) : t;
  return true;
}

//===----------------------------------------------------------------------===//
// Writing .npy
//===----------------------------------------------------------------------===//

/// Why `t` cannot be written, or "".
std::string unwritableReason(const Tensor &t) {
  if (t.dtype() == DType::BF16)
    return "bfloat16 tensors cannot be stored in .npy (numpy has no "
           "bfloat16); convert to float32 first";
  if (t.empty())
    return "the tensor has no data";
  return "";
}

/// The bytes of a .npy file before the data, as numpy 2 writes them.
std::string npyPreamble(const Tensor &t) {
  std::string descr;
  descrOf(t.dtype(), descr);
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': False, 'shape': (";
  const std::vector<int64_t> &shape = t.shape();
  for (size_t i = 0; i < shape.size(); ++i)
    dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += shape.size() == 1 ? ",), }" : "), }";
  // numpy leaves room to grow the first dimension in place.
  if (!shape.empty()) {
    size_t digits = std::to_string(shape[0]).size();
    if (digits < 21)
      dict.append(21 - digits, ' ');
  }
  // Version 1.0 unless the header length does not fit 16 bits.
  for (unsigned major : {1u, 2u}) {
    size_t lengthBytes = major == 1 ? 2 : 4;
    size_t length = dict.size() + 1;
    size_t padding = 64 - (kMagicSize + 2 + lengthBytes + length) % 64;
    length += padding;
    if (major == 1 && length > 0xffff)
      continue;
    std::string out(kMagic, kMagicSize);
    out += char(major);
    out += '\0';
    appendLE(out, length, lengthBytes);
    out += dict;
    out.append(padding, ' ');
    out += '\n';
    return out;
  }
  return "";
}

/// Calls `sink` on the tensor's bytes in little-endian order.
template <typename Sink> void forEachDataChunk(const Tensor &t, Sink sink) {
  const uint8_t *data = t.data<uint8_t>();
  size_t bytes = t.byteSize();
  size_t es = dtypeSize(t.dtype());
  if (!llvm::sys::IsBigEndianHost || es == 1) {
    if (bytes)
      sink(data, bytes);
    return;
  }
  std::vector<uint8_t> chunk;
  for (size_t at = 0; at < bytes;) {
    size_t n = std::min<size_t>(bytes - at, size_t(1) << 16);
    chunk.assign(data + at, data + at + n);
    byteSwap(chunk.data(), n, es);
    sink(chunk.data(), n);
    at += n;
  }
}

void writeNpyData(llvm::raw_ostream &os, const Tensor &t) {
  forEachDataChunk(t, [&](const uint8_t *p, size_t n) {
    os.write(reinterpret_cast<const char *>(p), n);
  });
}

//===----------------------------------------------------------------------===//
// Zip archives
//===----------------------------------------------------------------------===//

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kEnd64Size = 56;
constexpr size_t kEnd64LocatorSize = 20;
/// Python's zipfile switches to ZIP64 fields past this (2 GiB - 1).
constexpr uint64_t kZip64Limit = (uint64_t(1) << 31) - 1;
/// Version 4.5 (ZIP64), made on Unix.
constexpr uint16_t kZipVersion = 45;
constexpr uint16_t kMadeByUnix = (3 << 8) | kZipVersion;
/// 1980-01-01 00:00:00, the date zipfile gives the members numpy writes.
constexpr uint16_t kDosDate = (1 << 5) | 1;
/// -rw-------, as zipfile sets for members numpy writes.
constexpr uint32_t kExternalAttributes = 0600u << 16;
constexpr uint16_t kUtf8NameFlag = 0x800;

struct ZipMember {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressedSize = 0;
  uint64_t size = 0;
  uint64_t localHeaderOffset = 0;
};

/// numpy's key for a member: its name without the ".npy" suffix.
std::string entryName(StringRef member) {
  return member.ends_with(".npy") ? member.drop_back(4).str() : member.str();
}

/// Reads the ZIP64 extended-information extra field, replacing the
/// central-directory values that are 0xffffffff (0xffff for the disk).
bool applyZip64Extra(const uint8_t *extra, size_t length, ZipMember &m,
                     uint32_t &disk, std::string &problem) {
  while (length >= 4) {
    uint16_t id = readLE16(extra), size = readLE16(extra + 2);
    if (size > length - 4) {
      problem = "its extra field in the central directory is malformed";
      return false;
    }
    if (id == 1) {
      const uint8_t *p = extra + 4;
      size_t left = size;
      auto take = [&](uint64_t &field, unsigned bytes) {
        if (left < bytes)
          return false;
        field = bytes == 8 ? readLE64(p) : readLE32(p);
        p += bytes;
        left -= bytes;
        return true;
      };
      uint64_t disk64 = disk;
      if ((m.size == 0xffffffff && !take(m.size, 8)) ||
          (m.compressedSize == 0xffffffff && !take(m.compressedSize, 8)) ||
          (m.localHeaderOffset == 0xffffffff &&
           !take(m.localHeaderOffset, 8)) ||
          (disk == 0xffff && !take(disk64, 4))) {
        problem = "its ZIP64 extra field is too short for the sizes and "
                  "offset it must hold";
        return false;
      }
      disk = uint32_t(disk64);
    }
    extra += 4 + size;
    length -= 4 + size;
  }
  return true;
}

/// Finds and checks the end records and the central directory.
bool readZipDirectory(const uint8_t *data, uint64_t size,
                      std::vector<ZipMember> &members, uint64_t &dataEnd,
                      std::string &problem) {
  // The end of central directory record: 22 bytes and a comment of at most
  // 64 KiB, so it starts in the last 22 + 65535 bytes.
  uint64_t end = std::numeric_limits<uint64_t>::max();
  if (size >= kEndSize) {
    uint64_t lowest = size - kEndSize > 0xffff ? size - kEndSize - 0xffff : 0;
    for (uint64_t at = size - kEndSize + 1; at-- > lowest;) {
      if (readLE32(data + at) == kEndSig &&
          at + kEndSize + readLE16(data + at + 20) <= size) {
        end = at;
        break;
      }
    }
  }
  if (end == std::numeric_limits<uint64_t>::max()) {
    problem = "not a zip archive (no end of central directory record)";
    if (size >= kMagicSize && std::memcmp(data, kMagic, kMagicSize) == 0)
      problem += "; it is a .npy file";
    return false;
  }
  const uint8_t *e = data + end;
  uint64_t disk = readLE16(e + 4), directoryDisk = readLE16(e + 6);
  uint64_t count = readLE16(e + 10);
  uint64_t directorySize = readLE32(e + 12);
  uint64_t directoryOffset = readLE32(e + 16);
  uint64_t directoryLimit = end;

  // A ZIP64 end record, found through the locator just before the end
  // record, holds the 64-bit counts, sizes and offsets.
  if (end >= kEnd64LocatorSize &&
      readLE32(data + end - kEnd64LocatorSize) == kEnd64LocatorSig) {
    const uint8_t *loc = data + end - kEnd64LocatorSize;
    uint64_t at = readLE64(loc + 8);
    if (at > end - kEnd64LocatorSize ||
        end - kEnd64LocatorSize - at < kEnd64Size ||
        readLE32(data + at) != kEnd64Sig) {
      problem = "bad ZIP64 end of central directory locator (it points to "
                "offset " +
                std::to_string(at) + ", where there is no ZIP64 end record)";
      return false;
    }
    const uint8_t *e64 = data + at;
    disk = readLE32(e64 + 16);
    directoryDisk = readLE32(e64 + 20);
    count = readLE64(e64 + 32);
    directorySize = readLE64(e64 + 40);
    directoryOffset = readLE64(e64 + 48);
    directoryLimit = at;
  }
  if (disk != 0 || directoryDisk != 0) {
    problem = "multi-part zip archives are not supported";
    return false;
  }
  if (directoryOffset > directoryLimit ||
      directorySize > directoryLimit - directoryOffset) {
    problem = "bad central directory offset or size (offset " +
              std::to_string(directoryOffset) + ", size " +
              std::to_string(directorySize) +
              ", but the directory must end by offset " +
              std::to_string(directoryLimit) + ")";
    return false;
  }

  const uint8_t *p = data + directoryOffset;
  uint64_t left = directorySize;
  std::vector<ZipMember> result;
  for (uint64_t i = 0; i < count; ++i) {
    std::string which = "central directory entry #" + std::to_string(i);
    if (left < kCentralHeaderSize || readLE32(p) != kCentralHeaderSig) {
      problem = which + " of " + std::to_string(count) +
                (left < kCentralHeaderSize ? " is past the directory's end"
                                           : " has a bad signature");
      return false;
    }
    ZipMember m;
    m.flags = readLE16(p + 8);
    m.method = readLE16(p + 10);
    m.crc = readLE32(p + 16);
    m.compressedSize = readLE32(p + 20);
    m.size = readLE32(p + 24);
    size_t nameLength = readLE16(p + 28), extraLength = readLE16(p + 30),
           commentLength = readLE16(p + 32);
    uint32_t startDisk = readLE16(p + 34);
    m.localHeaderOffset = readLE32(p + 42);
    uint64_t entrySize =
        kCentralHeaderSize + nameLength + extraLength + commentLength;
    if (entrySize > left) {
      problem = which + " runs past the directory's end";
      return false;
    }
    m.name.assign(reinterpret_cast<const char *>(p) + kCentralHeaderSize,
                  nameLength);
    if (!applyZip64Extra(p + kCentralHeaderSize + nameLength, extraLength, m,
                         startDisk, problem)) {
      problem = "entry " + quote(entryName(m.name)) + ": " + problem;
      return false;
    }
    if (startDisk != 0) {
      problem = "multi-part zip archives are not supported";
      return false;
    }
    result.push_back(std::move(m));
    p += entrySize;
    left -= entrySize;
  }
  members = std::move(result);
  dataEnd = directoryOffset;
  return true;
}

/// Reads one member of the archive `data[0, dataEnd)`, the part before its
/// central directory.
bool readZipMember(const uint8_t *data, uint64_t dataEnd, const ZipMember &m,
                   Tensor &out, std::string &problem) {
  if (m.flags & 1) {
    problem = "it is encrypted";
    return false;
  }
  uint64_t at = m.localHeaderOffset;
  if (at > dataEnd || dataEnd - at < kLocalHeaderSize ||
      readLE32(data + at) != kLocalHeaderSig) {
    problem = "bad local header offset " + std::to_string(at) +
              " (no local file header there)";
    return false;
  }
  const uint8_t *local = data + at;
  uint64_t nameLength = readLE16(local + 26);
  uint64_t extraLength = readLE16(local + 28);
  uint64_t start = at + kLocalHeaderSize + nameLength + extraLength;
  if (start > dataEnd || dataEnd - start < m.compressedSize) {
    problem = "its data (" + std::to_string(m.compressedSize) +
              " bytes after the local header at offset " + std::to_string(at) +
              ") runs past the end of the archive's data";
    return false;
  }
  StringRef localName(reinterpret_cast<const char *>(local) + kLocalHeaderSize,
                      nameLength);
  if (localName != m.name) {
    problem = "its local header names " + quote(localName) +
              " (the archive is corrupt)";
    return false;
  }
  const uint8_t *bytes = data + start;
  if (m.method == 0) {
    if (m.compressedSize != m.size) {
      problem = "it is stored uncompressed, but its compressed size (" +
                std::to_string(m.compressedSize) + ") differs from its size (" +
                std::to_string(m.size) + ")";
      return false;
    }
    uLong crc = crc32_z(0, nullptr, 0);
    for (uint64_t done = 0; done < m.size;) {
      size_t n = size_t(std::min<uint64_t>(m.size - done, 1u << 30));
      crc = crc32_z(crc, bytes + done, n);
      done += n;
    }
    if (crc != m.crc) {
      problem = "CRC-32 mismatch (the archive is corrupt)";
      return false;
    }
    MemoryReader reader(bytes, m.size);
    return readNpyFrom(reader, out, problem);
  }
  if (m.method == 8) {
    // Deflate cannot compress better than 1032:1; a larger size is a lie
    // that would only make us allocate memory.
    if (m.compressedSize < std::numeric_limits<uint64_t>::max() / 1032 &&
        m.size > m.compressedSize * 1032 + 64) {
      problem = "its size (" + std::to_string(m.size) +
                " bytes) is impossible for " +
                std::to_string(m.compressedSize) +
                " bytes of deflate data (the archive is corrupt)";
      return false;
    }
    InflateReader reader(bytes, m.compressedSize, m.size, m.crc);
    return readNpyFrom(reader, out, problem);
  }
  problem = "unsupported compression method " + std::to_string(m.method) +
            " (supported: stored, deflate)";
  return false;
}

/// Sets `error` to "<path>: <problem>" and returns false.
bool failWith(std::string &error, const std::string &path,
              const std::string &problem) {
  error = path + ": " + problem;
  return false;
}

bool loadFile(const std::string &path,
              std::unique_ptr<llvm::MemoryBuffer> &buffer,
              std::string &error) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file) {
    error = "cannot read '" + path + "': " + file.getError().message();
    return false;
  }
  buffer = std::move(*file);
  return true;
}

const uint8_t *bytesOf(const llvm::MemoryBuffer &buffer) {
  return reinterpret_cast<const uint8_t *>(buffer.getBufferStart());
}

} // namespace

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

bool nc::readNpyBuffer(const void *data, size_t size, Tensor &out,
                       std::string &error) {
  if (!data && size) {
    error = "no data (null pointer)";
    return false;
  }
  MemoryReader reader(static_cast<const uint8_t *>(data), size);
  return readNpyFrom(reader, out, error);
}

bool nc::readNpy(const std::string &path, Tensor &out, std::string &error) {
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (!loadFile(path, buffer, error))
    return false;
  MemoryReader reader(bytesOf(*buffer), buffer->getBufferSize());
  std::string problem;
  if (!readNpyFrom(reader, out, problem))
    return failWith(error, path, problem);
  return true;
}

bool nc::serializeNpy(const Tensor &t, std::string &out) {
  if (!unwritableReason(t).empty())
    return false;
  std::string bytes = npyPreamble(t);
  bytes.reserve(bytes.size() + t.byteSize());
  forEachDataChunk(t, [&](const uint8_t *p, size_t n) {
    bytes.append(reinterpret_cast<const char *>(p), n);
  });
  out = std::move(bytes);
  return true;
}

bool nc::writeNpy(const std::string &path, const Tensor &t,
                  std::string &error) {
  std::string reason = unwritableReason(t);
  if (!reason.empty()) {
    error = "cannot write '" + path + "': " + reason;
    return false;
  }
  std::string preamble = npyPreamble(t);
  return writeFileAtomically(
      path,
      [&](llvm::raw_ostream &os) {
        os << preamble;
        writeNpyData(os, t);
        return true;
      },
      error);
}

bool nc::readNpz(const std::string &path,
                 std::vector<std::pair<std::string, Tensor>> &out,
                 std::string &error) {
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (!loadFile(path, buffer, error))
    return false;
  const uint8_t *data = bytesOf(*buffer);
  std::vector<ZipMember> members;
  uint64_t dataEnd = 0;
  std::string problem;
  if (!readZipDirectory(data, buffer->getBufferSize(), members, dataEnd,
                        problem))
    return failWith(error, path, problem);
  std::vector<std::pair<std::string, Tensor>> entries;
  entries.reserve(members.size());
  for (const ZipMember &m : members) {
    Tensor t;
    if (!readZipMember(data, dataEnd, m, t, problem))
      return failWith(error, path,
                      "entry " + quote(entryName(m.name)) + ": " + problem);
    entries.emplace_back(entryName(m.name), std::move(t));
  }
  out = std::move(entries);
  return true;
}

bool nc::writeNpz(const std::string &path,
                  const std::vector<std::pair<std::string, Tensor>> &entries,
                  std::string &error) {
  struct Member {
    std::string name;
    std::string preamble;
    const Tensor *tensor;
    uint64_t size;
    uint32_t crc;
    uint64_t offset;
  };
  auto refuse = [&](const std::string &name, const std::string &why) {
    error = "cannot write '" + path + "': entry " + quote(name) + ": " + why;
    return false;
  };
  std::vector<Member> members;
  std::set<std::string> seen;
  for (const auto &[name, tensor] : entries) {
    std::string reason = unwritableReason(tensor);
    if (!reason.empty())
      return refuse(name, reason);
    if (!seen.insert(name).second)
      return refuse(name, "the name is used twice");
    if (name.find('\0') != std::string::npos)
      return refuse(name, "the name contains a NUL byte");
    if (name.size() + 4 > 0xffff)
      return refuse(name, "the name is too long for a zip archive");
    Member m{name + ".npy", npyPreamble(tensor), &tensor, 0, 0, 0};
    m.size = m.preamble.size() + tensor.byteSize();
    uLong crc = crc32_z(0, reinterpret_cast<const Bytef *>(m.preamble.data()),
                        m.preamble.size());
    forEachDataChunk(tensor, [&](const uint8_t *p, size_t n) {
      crc = crc32_z(crc, p, n);
    });
    m.crc = uint32_t(crc);
    members.push_back(std::move(m));
  }

  return writeFileAtomically(
      path,
      [&](llvm::raw_ostream &os) {
        uint64_t offset = 0;
        auto put = [&](const std::string &bytes) {
          os << bytes;
          offset += bytes.size();
        };
        auto flagsOf = [](const std::string &name) {
          bool ascii = std::all_of(name.begin(), name.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x80;
          });
          return uint16_t(ascii ? 0 : kUtf8NameFlag);
        };
        // Members: local headers always carry a ZIP64 extra field with
        // both sizes, as numpy writes them.
        for (Member &m : members) {
          m.offset = offset;
          std::string h;
          appendLE32(h, kLocalHeaderSig);
          appendLE16(h, kZipVersion);
          appendLE16(h, flagsOf(m.name));
          appendLE16(h, 0); // Stored.
          appendLE16(h, 0); // Time.
          appendLE16(h, kDosDate);
          appendLE32(h, m.crc);
          appendLE32(h, 0xffffffff);
          appendLE32(h, 0xffffffff);
          appendLE16(h, m.name.size());
          appendLE16(h, 20);
          h += m.name;
          appendLE16(h, 1);
          appendLE16(h, 16);
          appendLE64(h, m.size);
          appendLE64(h, m.size);
          put(h);
          put(m.preamble);
          writeNpyData(os, *m.tensor);
          offset += m.tensor->byteSize();
        }
        // The central directory, with ZIP64 fields past 2 GiB.
        uint64_t directoryOffset = offset;
        for (const Member &m : members) {
          std::string extra;
          bool bigSize = m.size > kZip64Limit;
          bool bigOffset = m.offset > kZip64Limit;
          if (bigSize) {
            appendLE64(extra, m.size);
            appendLE64(extra, m.size);
          }
          if (bigOffset)
            appendLE64(extra, m.offset);
          if (!extra.empty()) {
            std::string field;
            appendLE16(field, 1);
            appendLE16(field, extra.size());
            extra = field + extra;
          }
          std::string h;
          appendLE32(h, kCentralHeaderSig);
          appendLE16(h, kMadeByUnix);
          appendLE16(h, kZipVersion);
          appendLE16(h, flagsOf(m.name));
          appendLE16(h, 0); // Stored.
          appendLE16(h, 0); // Time.
          appendLE16(h, kDosDate);
          appendLE32(h, m.crc);
          appendLE32(h, bigSize ? 0xffffffff : m.size);
          appendLE32(h, bigSize ? 0xffffffff : m.size);
          appendLE16(h, m.name.size());
          appendLE16(h, extra.size());
          appendLE16(h, 0); // Comment length.
          appendLE16(h, 0); // Disk.
          appendLE16(h, 0); // Internal attributes.
          appendLE32(h, kExternalAttributes);
          appendLE32(h, bigOffset ? 0xffffffff : m.offset);
          h += m.name;
          h += extra;
          put(h);
        }
        uint64_t directorySize = offset - directoryOffset;
        uint64_t count = members.size();
        std::string tail;
        if (count > 0xffff || directoryOffset > kZip64Limit ||
            directorySize > kZip64Limit) {
          appendLE32(tail, kEnd64Sig);
          appendLE64(tail, kEnd64Size - 12);
          appendLE16(tail, kZipVersion);
          appendLE16(tail, kZipVersion);
          appendLE32(tail, 0);
          appendLE32(tail, 0);
          appendLE64(tail, count);
          appendLE64(tail, count);
          appendLE64(tail, directorySize);
          appendLE64(tail, directoryOffset);
          appendLE32(tail, kEnd64LocatorSig);
          appendLE32(tail, 0);
          appendLE64(tail, offset);
          appendLE32(tail, 1);
        }
        appendLE32(tail, kEndSig);
        appendLE16(tail, 0);
        appendLE16(tail, 0);
        appendLE16(tail, std::min<uint64_t>(count, 0xffff));
        appendLE16(tail, std::min<uint64_t>(count, 0xffff));
        appendLE32(tail, std::min<uint64_t>(directorySize, 0xffffffff));
        appendLE32(tail, std::min<uint64_t>(directoryOffset, 0xffffffff));
        appendLE16(tail, 0); // Comment length.
        put(tail);
        return true;
      },
      error);
}
