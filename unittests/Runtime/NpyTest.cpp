//===- NpyTest.cpp - tests of reading and writing .npy and .npz files -----===//

#include "nc/Runtime/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

using namespace nc;

namespace {

//===----------------------------------------------------------------------===//
// Files written by numpy 2.3.5 (Python 3.11), printed as C++ literals. Each
// comment gives the call that wrote the bytes to `f`, an io.BytesIO().
//===----------------------------------------------------------------------===//

// np.save(f, np.array([1.5, -2.0, inf], '<f4'))
const std::string kF32Npy(
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\000\300\077\000\000\000\300\000\000\200\177",
    140);

// np.save(f, np.array([0.1, -0.0, 1e+300], '<f8'))
const std::string kF64Npy(
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\232\231\231\231\231\231\271\077\000\000\000\000\000\000\000\200\234u"
    "\000\210<\3447~",
    152);

// np.save(f, np.array([1.5, -2.0, 65504.0], '<f2'))
const std::string kF16Npy(
    "\223NUMPY\001\000v\000{'descr': '<f2', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000>\000\300\377{",
    134);

// np.save(f, np.array([-128, 0, 127], '|i1'))
const std::string kI8Npy(
    "\223NUMPY\001\000v\000{'descr': '|i1', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\200\000\177",
    131);

// np.save(f, np.array([0, 1, 255], '|u1'))
const std::string kU8Npy(
    "\223NUMPY\001\000v\000{'descr': '|u1', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\001\377",
    131);

// np.save(f, np.array([-32768, 1, 32767], '<i2'))
const std::string kI16Npy(
    "\223NUMPY\001\000v\000{'descr': '<i2', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\200\001\000\377\177",
    134);

// np.save(f, np.array([0, 1, 65535], '<u2'))
const std::string kU16Npy(
    "\223NUMPY\001\000v\000{'descr': '<u2', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\000\001\000\377\377",
    134);

// np.save(f, np.array([-2147483648, 1, 2147483647], '<i4'))
const std::string kI32Npy(
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\000\000\200\001\000\000\000\377\377\377\177",
    140);

// np.save(f, np.array([0, 1, 4294967295], '<u4'))
const std::string kU32Npy(
    "\223NUMPY\001\000v\000{'descr': '<u4', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\000\000\000\001\000\000\000\377\377\377\377",
    140);

// np.save(f, np.array([-9223372036854775808, 1, 9223372036854775807], '<i8'))
const std::string kI64Npy(
    "\223NUMPY\001\000v\000{'descr': '<i8', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\000\000\000\000\000\000\200\001\000\000\000\000\000\000\000\377\377"
    "\377\377\377\377\377\177",
    152);

// np.save(f, np.array([0, 1, 18446744073709551615], '<u8'))
const std::string kU64Npy(
    "\223NUMPY\001\000v\000{'descr': '<u8', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\377\377"
    "\377\377\377\377\377\377",
    152);

// np.save(f, np.array([True, False, True], '|b1'))
const std::string kBoolNpy(
    "\223NUMPY\001\000v\000{'descr': '|b1', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\001\000\001",
    131);

// np.save(f, np.arange(6, dtype="<f4").reshape(2, 3))
const std::string kMatrixNpy(
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape': "
    "(2, 3), }                                                          \012"
    "\000\000\000\000\000\000\200\077\000\000\000@\000\000@@\000\000\200@\000"
    "\000\240@",
    152);

// np.save(f, np.float64(1.5))
const std::string kScalarNpy(
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, 'shape': "
    "(), }                                                              \012"
    "\000\000\000\000\000\000\370\077",
    136);

// np.save(f, np.zeros((2, 0, 3), "<f4"))
const std::string kZeroSizeNpy(
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape': "
    "(2, 0, 3), }                                                       \012",
    128);

// np.save(f, np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)))
const std::string kFortranNpy(
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': True, 'shape': ("
    "2, 3), }                                                           \012"
    "\000\000\000\000\003\000\000\000\001\000\000\000\004\000\000\000\002\000"
    "\000\000\005\000\000\000",
    152);

// np.save(f, np.asfortranarray(np.arange(24, dtype="i1").reshape(2, 3, 4)))
const std::string kFortran3dNpy(
    "\223NUMPY\001\000v\000{'descr': '|i1', 'fortran_order': True, 'shape': ("
    "2, 3, 4), }                                                        \012"
    "\000\014\004\020\010\024\001\015\005\021\011\025\002\016\006\022\012\026"
    "\003\017\007\023\013\027",
    152);

// np.save(f, np.array([1.5, -2.0, 3.0], ">f4"))
const std::string kBigEndianF32Npy(
    "\223NUMPY\001\000v\000{'descr': '>f4', 'fortran_order': False, 'shape': "
    "(3,), }                                                            \012"
    "\077\300\000\000\300\000\000\000@@\000\000",
    140);

// np.save(f, np.array([[1, -2], [3, -4]], ">i8"))
const std::string kBigEndianI64Npy(
    "\223NUMPY\001\000v\000{'descr': '>i8', 'fortran_order': False, 'shape': "
    "(2, 2), }                                                          \012"
    "\000\000\000\000\000\000\000\001\377\377\377\377\377\377\377\376\000\000"
    "\000\000\000\000\000\003\377\377\377\377\377\377\377\374",
    160);

// np.lib.format.write_array(f, np.arange(4, dtype="<i2"), version=(2, 0))
const std::string kVersion2Npy(
    "\223NUMPY\002\000t\000\000\000{'descr': '<i2', 'fortran_order': False, '"
    "shape': (4,), }                                                         "
    " \012\000\000\001\000\002\000\003\000",
    136);

// np.lib.format.write_array(f, np.arange(4, dtype="u1"), version=(3, 0))
const std::string kVersion3Npy(
    "\223NUMPY\003\000t\000\000\000{'descr': '|u1', 'fortran_order': False, '"
    "shape': (4,), }                                                         "
    " \012\000\001\002\003",
    132);

// np.savez(f, weights=np.arange(6, dtype="<f4").reshape(2, 3),
//          flag=np.array(True), idx=np.array([7, -1], "<i8"))
const std::string kSavezNpz(
    "PK\003\004-\000\000\000\000\000\000\000!\000O\351\000*\377\377\377\377"
    "\377\377\377\377\013\000\024\000weights.npy\001\000\020\000\230\000\000"
    "\000\000\000\000\000\230\000\000\000\000\000\000\000\223NUMPY\001\000v"
    "\000{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }         "
    "                                                 \012\000\000\000\000"
    "\000\000\200\077\000\000\000@\000\000@@\000\000\200@\000\000\240@PK\003"
    "\004-\000\000\000\000\000\000\000!\000\202-\370\323\377\377\377\377\377"
    "\377\377\377\010\000\024\000flag.npy\001\000\020\000\201\000\000\000\000"
    "\000\000\000\201\000\000\000\000\000\000\000\223NUMPY\001\000v\000{'desc"
    "r': '|b1', 'fortran_order': False, 'shape': (), }                       "
    "                                       \012\001PK\003\004-\000\000\000"
    "\000\000\000\000!\000\340\222\316\274\377\377\377\377\377\377\377\377"
    "\007\000\024\000idx.npy\001\000\020\000\220\000\000\000\000\000\000\000"
    "\220\000\000\000\000\000\000\000\223NUMPY\001\000v\000{'descr': '<i8', '"
    "fortran_order': False, 'shape': (2,), }                                 "
    "                           \012\007\000\000\000\000\000\000\000\377\377"
    "\377\377\377\377\377\377PK\001\002-\003-\000\000\000\000\000\000\000!"
    "\000O\351\000*\230\000\000\000\230\000\000\000\013\000\000\000\000\000"
    "\000\000\000\000\000\000\200\001\000\000\000\000weights.npyPK\001\002-"
    "\003-\000\000\000\000\000\000\000!\000\202-\370\323\201\000\000\000\201"
    "\000\000\000\010\000\000\000\000\000\000\000\000\000\000\000\200\001\325"
    "\000\000\000flag.npyPK\001\002-\003-\000\000\000\000\000\000\000!\000"
    "\340\222\316\274\220\000\000\000\220\000\000\000\007\000\000\000\000\000"
    "\000\000\000\000\000\000\200\001\220\001\000\000idx.npyPK\005\006\000"
    "\000\000\000\003\000\003\000\244\000\000\000Y\002\000\000\000\000",
    787);

// np.savez_compressed(f, w=np.arange(100, dtype="<f4"),
//                     mask=np.array([True, False]), s=np.float64(2.5))
const std::string kSavezCompressedNpz(
    "PK\003\004-\000\000\000\010\000\000\000!\000\273vHv\377\377\377\377\377"
    "\377\377\377\005\000\024\000w.npy\001\000\020\000\020\002\000\000\000"
    "\000\000\000\013\001\000\000\000\000\000\000\235\310\301+\004q\030\306"
    "\361W9H\016{ppp\370\035\324o\325\034F\355A\33226\311\001\315\201\242\224"
    "\235\314l{\330\3544\263I\241&I\233\244\015i\2234I\332$m\2226I\223$GG\307"
    "=:::\372\362'xz\077O\275\317\341\314\334\264\275\320!\253\262\256]/\134"
    "\016\364\210\322\331BF\033J\027\312A%pV\226\312\201\353\375\356\023N)"
    "\364\330\303\242\343{\374\351!\3234\006\015\265\251\376\235n\371K4JY\034"
    "\042\304H\320\206\214\211\244\240`\302\202\215<|D\250\242\206:b4\320D"
    "\013\011\336\360\216\017\264\361\211/|Cr\042\235\350B\017R\350E\037\372"
    "\2410\2004\014\230\310`\030YX\030\307$\246`c\026\363XD\036.\212(\301G"
    "\005k\330@\204-lc\007U\354b\017\373\250\341\000G8F\035'8\305\031b\234"
    "\343\002\227h\340\012\327\270A\023\267\270\303=Zx\300#\236\220\340\031/x"
    "\315\375\000PK\003\004-\000\000\000\010\000\000\000!\000\356\031\273]"
    "\377\377\377\377\377\377\377\377\010\000\024\000mask.npy\001\000\020\000"
    "\202\000\000\000\000\000\000\000F\000\000\000\000\000\000\000\233\354"
    "\027\352\033\020\311\310P\306P\255\236\222Z\234\134\244n\245\240^\223d"
    "\250\256\243\240\236\226_TR\224\230\027\237_\224\222\012\022wK\314)N\005"
    "\212\027g$\026\244\002\371\032F:\232:\012\265\012\024\000.F\006\000PK"
    "\003\004-\000\000\000\010\000\000\000!\0005\264:\223\377\377\377\377\377"
    "\377\377\377\005\000\024\000s.npy\001\000\020\000\210\000\000\000\000"
    "\000\000\000G\000\000\000\000\000\000\000\233\354\027\352\033\020\311"
    "\310P\306P\255\236\222Z\234\134\244n\245\240n\223f\241\256\243\240\236"
    "\226_TR\224\230\027\237_\224\222\012\022wK\314)N\005\212\027g$\026\244"
    "\002\371\032\232:\012\265\012\024\001.\0060`q\000\000PK\001\002-\003-"
    "\000\000\000\010\000\000\000!\000\273vHv\013\001\000\000\020\002\000\000"
    "\005\000\000\000\000\000\000\000\000\000\000\000\200\001\000\000\000\000"
    "w.npyPK\001\002-\003-\000\000\000\010\000\000\000!\000\356\031\273]F\000"
    "\000\000\202\000\000\000\010\000\000\000\000\000\000\000\000\000\000\000"
    "\200\001B\001\000\000mask.npyPK\001\002-\003-\000\000\000\010\000\000"
    "\000!\0005\264:\223G\000\000\000\210\000\000\000\005\000\000\000\000\000"
    "\000\000\000\000\000\000\200\001\302\001\000\000s.npyPK\005\006\000\000"
    "\000\000\003\000\003\000\234\000\000\000@\002\000\000\000\000",
    754);

// With zipfile.ZIP64_LIMIT = 100, so that zipfile writes the ZIP64
// records it writes past 2 GiB:
// np.savez(f, a=np.arange(3, dtype="<i2"), b=np.array(True))
const std::string kZip64Npz(
    "PK\003\004-\000\000\000\000\000\000\000!\000j\317\362Q\377\377\377\377"
    "\377\377\377\377\005\000\024\000a.npy\001\000\020\000\206\000\000\000"
    "\000\000\000\000\206\000\000\000\000\000\000\000\223NUMPY\001\000v\000{'"
    "descr': '<i2', 'fortran_order': False, 'shape': (3,), }                 "
    "                                           \012\000\000\001\000\002\000P"
    "K\003\004-\000\000\000\000\000\000\000!\000\202-\370\323\377\377\377\377"
    "\377\377\377\377\005\000\024\000b.npy\001\000\020\000\201\000\000\000"
    "\000\000\000\000\201\000\000\000\000\000\000\000\223NUMPY\001\000v\000{'"
    "descr': '|b1', 'fortran_order': False, 'shape': (), }                   "
    "                                           \012\001PK\001\002-\003-\000"
    "\000\000\000\000\000\000!\000j\317\362Q\377\377\377\377\377\377\377\377"
    "\005\000\024\000\000\000\000\000\000\000\000\000\200\001\000\000\000\000"
    "a.npy\001\000\020\000\206\000\000\000\000\000\000\000\206\000\000\000"
    "\000\000\000\000PK\001\002-\003-\000\000\000\000\000\000\000!\000\202-"
    "\370\323\377\377\377\377\377\377\377\377\005\000\034\000\000\000\000\000"
    "\000\000\000\000\200\001\377\377\377\377b.npy\001\000\030\000\201\000"
    "\000\000\000\000\000\000\201\000\000\000\000\000\000\000\275\000\000\000"
    "\000\000\000\000PK\006\006,\000\000\000\000\000\000\000-\000-\000\000"
    "\000\000\000\000\000\000\000\002\000\000\000\000\000\000\000\002\000\000"
    "\000\000\000\000\000\226\000\000\000\000\000\000\000u\001\000\000\000"
    "\000\000\000PK\006\007\000\000\000\000\013\002\000\000\000\000\000\000"
    "\001\000\000\000PK\005\006\000\000\000\000\002\000\002\000\226\000\000"
    "\000u\001\000\000\000\000",
    621);


//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The tensor's data bytes.
std::string bytesOf(const Tensor &t) {
  return std::string(t.data<char>(), t.byteSize());
}

/// Reads `npy`, expecting success.
Tensor readOk(const std::string &npy) {
  Tensor t;
  std::string error;
  EXPECT_TRUE(readNpyBuffer(npy.data(), npy.size(), t, error)) << error;
  return t;
}

/// Reads `npy`, expecting failure; returns the error.
std::string readError(const std::string &npy) {
  Tensor t;
  std::string error;
  EXPECT_FALSE(readNpyBuffer(npy.data(), npy.size(), t, error));
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(t.empty()) << "a failed read changed its output";
  return error;
}

/// Checks `t`'s type, shape and elements (compared bit for bit).
template <typename T>
void expectTensor(const Tensor &t, DType dtype, std::vector<int64_t> shape,
                  std::vector<T> values) {
  EXPECT_STREQ(dtypeName(t.dtype()), dtypeName(dtype));
  EXPECT_EQ(t.shape(), shape);
  ASSERT_EQ(t.byteSize(), values.size() * sizeof(T));
  if (!values.empty()) {
    EXPECT_EQ(std::memcmp(t.data(), values.data(), t.byteSize()), 0)
        << "elements differ from the expected " << t.describe();
  }
}

/// Reads a numpy-written file, checks it, and checks that serializeNpy
/// gives back numpy's bytes exactly.
template <typename T>
void expectNumpyFile(const std::string &npy, DType dtype,
                     std::vector<int64_t> shape, std::vector<T> values) {
  Tensor t = readOk(npy);
  expectTensor(t, dtype, shape, values);
  std::string again;
  ASSERT_TRUE(serializeNpy(t, again));
  EXPECT_EQ(again, npy) << "serializeNpy differs from np.save";
}

/// A .npy file with the given header text and data, with no padding.
std::string makeNpy(const std::string &header, const std::string &data = "",
                    unsigned major = 1) {
  std::string s("\x93NUMPY", 6);
  s += char(major);
  s += '\0';
  for (unsigned i = 0; i < (major == 1 ? 2u : 4u); ++i)
    s += char((header.size() >> (8 * i)) & 0xff);
  return s + header + data;
}

uint32_t crc32Of(const std::string &s) {
  uint32_t crc = 0xffffffff;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

void putLE(std::string &s, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    s += char((v >> (8 * i)) & 0xff);
}

void patchLE(std::string &s, size_t at, uint64_t v, unsigned bytes) {
  ASSERT_LE(at + bytes, s.size());
  for (unsigned i = 0; i < bytes; ++i)
    s[at + i] = char((v >> (8 * i)) & 0xff);
}

uint64_t getLE(const std::string &s, size_t at, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i)
    v |= uint64_t(static_cast<unsigned char>(s.at(at + i))) << (8 * i);
  return v;
}

/// A minimal zip archive of stored members with correct CRCs (what
/// Python's zipfile writes without ZIP64 extras).
std::string makeStoredZip(
    const std::vector<std::pair<std::string, std::string>> &members) {
  std::string zip, directory;
  for (const auto &[name, data] : members) {
    uint32_t crc = crc32Of(data);
    size_t offset = zip.size();
    putLE(zip, 0x04034b50, 4);
    putLE(zip, 20, 2);
    putLE(zip, 0, 2); // Flags.
    putLE(zip, 0, 2); // Stored.
    putLE(zip, 0, 4); // Time and date.
    putLE(zip, crc, 4);
    putLE(zip, data.size(), 4);
    putLE(zip, data.size(), 4);
    putLE(zip, name.size(), 2);
    putLE(zip, 0, 2);
    zip += name + data;
    putLE(directory, 0x02014b50, 4);
    putLE(directory, 20, 2);
    putLE(directory, 20, 2);
    putLE(directory, 0, 2);
    putLE(directory, 0, 2);
    putLE(directory, 0, 4);
    putLE(directory, crc, 4);
    putLE(directory, data.size(), 4);
    putLE(directory, data.size(), 4);
    putLE(directory, name.size(), 2);
    putLE(directory, 0, 2);  // Extra.
    putLE(directory, 0, 2);  // Comment.
    putLE(directory, 0, 2);  // Disk.
    putLE(directory, 0, 2);  // Internal attributes.
    putLE(directory, 0, 4);  // External attributes.
    putLE(directory, offset, 4);
    directory += name;
  }
  size_t directoryOffset = zip.size();
  zip += directory;
  putLE(zip, 0x06054b50, 4);
  putLE(zip, 0, 4);
  putLE(zip, members.size(), 2);
  putLE(zip, members.size(), 2);
  putLE(zip, directory.size(), 4);
  putLE(zip, directoryOffset, 4);
  putLE(zip, 0, 2);
  return zip;
}

/// Offsets of the end record and the central directory entries of `zip`
/// (one without a comment).
size_t endRecordOf(const std::string &zip) { return zip.size() - 22; }
size_t centralEntryOf(const std::string &zip, unsigned index) {
  size_t at = getLE(zip, endRecordOf(zip) + 16, 4);
  for (unsigned i = 0; i < index; ++i)
    at += 46 + getLE(zip, at + 28, 2) + getLE(zip, at + 30, 2) +
          getLE(zip, at + 32, 2);
  return at;
}

/// A tensor whose bytes follow a pattern (0 and 1 for bool).
Tensor patterned(DType dtype, std::vector<int64_t> shape) {
  Tensor t(dtype, std::move(shape));
  uint8_t *p = t.data<uint8_t>();
  for (size_t i = 0; i < t.byteSize(); ++i)
    p[i] = dtype == DType::Bool ? uint8_t(i % 3 == 0)
                                : uint8_t(i * 37 + 11 + (i >> 8));
  return t;
}

const DType kNumpyDTypes[] = {DType::F32, DType::F64, DType::F16, DType::I8,
                              DType::U8,  DType::I16, DType::U16, DType::I32,
                              DType::U32, DType::I64, DType::U64, DType::Bool};

/// Tests that use files, in a fresh folder each.
class NpyFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::error_code ec =
        llvm::sys::fs::createUniqueDirectory("nc-npy-test", dir);
    ASSERT_FALSE(ec) << ec.message();
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string path(const std::string &name) const {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  void writeBytes(const std::string &file, const std::string &bytes) {
    std::ofstream os(file, std::ios::binary | std::ios::trunc);
    os.write(bytes.data(), std::streamsize(bytes.size()));
    ASSERT_TRUE(bool(os)) << file;
  }
  std::string readBytes(const std::string &file) {
    std::ifstream is(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(is), {});
  }
  /// The names in the test folder.
  std::vector<std::string> listing() {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(std::string(llvm::sys::path::filename(it->path())));
    std::sort(names.begin(), names.end());
    return names;
  }
  /// Writes `zip` and reads it with readNpz, expecting failure; returns the
  /// error with the path replaced by "<path>".
  std::string npzError(const std::string &zip) {
    std::string file = path("bad.npz");
    writeBytes(file, zip);
    std::vector<std::pair<std::string, Tensor>> entries;
    std::string error;
    EXPECT_FALSE(readNpz(file, entries, error));
    EXPECT_TRUE(entries.empty());
    EXPECT_EQ(error.rfind(file + ": ", 0), 0u) << error;
    return error.size() > file.size() + 2 ? error.substr(file.size() + 2)
                                          : error;
  }
  std::vector<std::pair<std::string, Tensor>> npzOk(const std::string &zip) {
    std::string file = path("good.npz");
    writeBytes(file, zip);
    std::vector<std::pair<std::string, Tensor>> entries;
    std::string error;
    EXPECT_TRUE(readNpz(file, entries, error)) << error;
    return entries;
  }

  llvm::SmallString<128> dir;
};

std::vector<std::string> namesOf(
    const std::vector<std::pair<std::string, Tensor>> &entries) {
  std::vector<std::string> names;
  for (const auto &e : entries)
    names.push_back(e.first);
  return names;
}

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

TEST(NpyRoundTripTest, EveryDTypeAndShapeIsBitExact) {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {0}, {1}, {7}, {2, 3}, {2, 0, 3}, {3, 1, 2, 5}, {0, 0}};
  for (DType dtype : kNumpyDTypes) {
    for (const auto &shape : shapes) {
      Tensor t = patterned(dtype, shape);
      SCOPED_TRACE(t.describe());
      std::string npy;
      ASSERT_TRUE(serializeNpy(t, npy));
      EXPECT_EQ(npy.size() % 64, t.byteSize() % 64) << "data is not aligned";
      Tensor back = readOk(npy);
      EXPECT_STREQ(dtypeName(back.dtype()), dtypeName(dtype));
      EXPECT_EQ(back.shape(), shape);
      EXPECT_EQ(bytesOf(back), bytesOf(t));
    }
  }
}

TEST_F(NpyFileTest, WriteThenReadEveryDType) {
  for (DType dtype : kNumpyDTypes) {
    Tensor t = patterned(dtype, {4, 5});
    SCOPED_TRACE(t.describe());
    std::string file = path(std::string(dtypeName(dtype)) + ".npy");
    std::string error;
    ASSERT_TRUE(writeNpy(file, t, error)) << error;
    EXPECT_TRUE(error.empty());
    std::string expected;
    ASSERT_TRUE(serializeNpy(t, expected));
    EXPECT_EQ(readBytes(file), expected);
    Tensor back;
    ASSERT_TRUE(readNpy(file, back, error)) << error;
    EXPECT_STREQ(dtypeName(back.dtype()), dtypeName(dtype));
    EXPECT_EQ(back.shape(), t.shape());
    EXPECT_EQ(bytesOf(back), bytesOf(t));
  }
  EXPECT_EQ(listing().size(), std::size(kNumpyDTypes))
      << "temporary files left";
}

TEST_F(NpyFileTest, NpzRoundTripOfEveryDType) {
  std::vector<std::pair<std::string, Tensor>> entries;
  for (DType dtype : kNumpyDTypes)
    entries.emplace_back(dtypeName(dtype), patterned(dtype, {3, 2}));
  entries.emplace_back("scalar", patterned(DType::F64, {}));
  entries.emplace_back("empty", patterned(DType::I32, {0, 4}));
  entries.emplace_back("sub/dir name", patterned(DType::U8, {5}));
  std::string file = path("all.npz"), error;
  ASSERT_TRUE(writeNpz(file, entries, error)) << error;
  std::vector<std::pair<std::string, Tensor>> back;
  ASSERT_TRUE(readNpz(file, back, error)) << error;
  ASSERT_EQ(namesOf(back), namesOf(entries));
  for (size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(entries[i].first);
    EXPECT_STREQ(dtypeName(back[i].second.dtype()),
                 dtypeName(entries[i].second.dtype()));
    EXPECT_EQ(back[i].second.shape(), entries[i].second.shape());
    EXPECT_EQ(bytesOf(back[i].second), bytesOf(entries[i].second));
  }
  EXPECT_EQ(listing(), std::vector<std::string>{"all.npz"});
}

TEST_F(NpyFileTest, EmptyNpz) {
  std::string file = path("none.npz"), error;
  ASSERT_TRUE(writeNpz(file, {}, error)) << error;
  // What np.savez(f) writes: an end record alone.
  EXPECT_EQ(readBytes(file), std::string("PK\5\6", 4) + std::string(18, '\0'));
  std::vector<std::pair<std::string, Tensor>> back = {{"stale", Tensor()}};
  ASSERT_TRUE(readNpz(file, back, error)) << error;
  EXPECT_TRUE(back.empty());
}

TEST(NpyRoundTripTest, LongHeaderUsesVersion2) {
  // A header longer than 65535 bytes needs format 2.0, as in numpy.
  Tensor t(DType::I16, std::vector<int64_t>(30000, 1));
  std::string npy;
  ASSERT_TRUE(serializeNpy(t, npy));
  EXPECT_EQ(npy[6], 2);
  EXPECT_EQ((npy.size() - 2) % 64, 0u);
  Tensor back = readOk(npy);
  EXPECT_EQ(back.shape(), t.shape());
}

TEST(NpyRoundTripTest, RefusesBFloat16AndEmptyTensors) {
  std::string npy = "untouched";
  EXPECT_FALSE(serializeNpy(Tensor(DType::BF16, {2}), npy));
  EXPECT_FALSE(serializeNpy(Tensor(), npy));
  EXPECT_EQ(npy, "untouched");
}

TEST_F(NpyFileTest, WriteRefusesBFloat16) {
  std::string file = path("bf16.npy"), error;
  EXPECT_FALSE(writeNpy(file, Tensor(DType::BF16, {2, 2}), error));
  EXPECT_EQ(error, "cannot write '" + file +
                       "': bfloat16 tensors cannot be stored in .npy (numpy "
                       "has no bfloat16); convert to float32 first");
  std::string npz = path("bf16.npz");
  EXPECT_FALSE(writeNpz(npz,
                        {{"ok", Tensor(DType::F32, {1})},
                         {"w", Tensor(DType::BF16, {1})}},
                        error));
  EXPECT_EQ(error, "cannot write '" + npz +
                       "': entry 'w': bfloat16 tensors cannot be stored in "
                       ".npy (numpy has no bfloat16); convert to float32 "
                       "first");
  EXPECT_TRUE(listing().empty());
}

TEST_F(NpyFileTest, FailedWritesLeaveTheOldFile) {
  std::string file = path("keep.npz"), error;
  ASSERT_TRUE(writeNpz(file, {{"a", Tensor(DType::U8, {3})}}, error));
  std::string before = readBytes(file);
  EXPECT_FALSE(writeNpz(file,
                        {{"a", Tensor(DType::F32, {1})},
                         {"a", Tensor(DType::F32, {2})}},
                        error));
  EXPECT_EQ(error, "cannot write '" + file + "': entry 'a': the name is used "
                                             "twice");
  EXPECT_EQ(readBytes(file), before);
  EXPECT_EQ(listing(), std::vector<std::string>{"keep.npz"});

  std::string missing = path("no-such-folder/x.npy");
  EXPECT_FALSE(writeNpy(missing, Tensor(DType::F32, {1}), error));
  EXPECT_NE(error.find("'" + missing + "'"), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

//===----------------------------------------------------------------------===//
// Files numpy wrote
//===----------------------------------------------------------------------===//

TEST(NpyNumpyTest, EveryDType) {
  const float inf = std::numeric_limits<float>::infinity();
  expectNumpyFile<float>(kF32Npy, DType::F32, {3}, {1.5f, -2.0f, inf});
  expectNumpyFile<double>(kF64Npy, DType::F64, {3}, {0.1, -0.0, 1e300});
  expectNumpyFile<uint16_t>(kF16Npy, DType::F16, {3}, {0x3e00, 0xc000, 0x7bff});
  expectNumpyFile<int8_t>(kI8Npy, DType::I8, {3}, {-128, 0, 127});
  expectNumpyFile<uint8_t>(kU8Npy, DType::U8, {3}, {0, 1, 255});
  expectNumpyFile<int16_t>(kI16Npy, DType::I16, {3}, {-32768, 1, 32767});
  expectNumpyFile<uint16_t>(kU16Npy, DType::U16, {3}, {0, 1, 65535});
  expectNumpyFile<int32_t>(kI32Npy, DType::I32, {3},
                           {std::numeric_limits<int32_t>::min(), 1,
                            std::numeric_limits<int32_t>::max()});
  expectNumpyFile<uint32_t>(kU32Npy, DType::U32, {3}, {0, 1, 0xffffffffu});
  expectNumpyFile<int64_t>(kI64Npy, DType::I64, {3},
                           {std::numeric_limits<int64_t>::min(), 1,
                            std::numeric_limits<int64_t>::max()});
  expectNumpyFile<uint64_t>(kU64Npy, DType::U64, {3},
                            {0, 1, std::numeric_limits<uint64_t>::max()});
  expectNumpyFile<uint8_t>(kBoolNpy, DType::Bool, {3}, {1, 0, 1});
}

TEST(NpyNumpyTest, Shapes) {
  expectNumpyFile<float>(kMatrixNpy, DType::F32, {2, 3}, {0, 1, 2, 3, 4, 5});
  expectNumpyFile<double>(kScalarNpy, DType::F64, {}, {1.5});
  expectNumpyFile<float>(kZeroSizeNpy, DType::F32, {2, 0, 3}, {});
}

TEST(NpyNumpyTest, FortranOrderIsTransposed) {
  expectTensor<int32_t>(readOk(kFortranNpy), DType::I32, {2, 3},
                        {0, 1, 2, 3, 4, 5});
  std::vector<int8_t> iota(24);
  for (int i = 0; i < 24; ++i)
    iota[i] = int8_t(i);
  expectTensor<int8_t>(readOk(kFortran3dNpy), DType::I8, {2, 3, 4}, iota);
  // Zero-size and 1-d arrays are the same in either order.
  expectTensor<float>(
      readOk(makeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, "
                     "0), }\n")),
      DType::F32, {2, 0}, {});
  expectTensor<float>(
      readOk(makeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': "
                     "(1,), }\n",
                     std::string("\0\0\300\77", 4))),
      DType::F32, {1}, {1.5f});
}

TEST(NpyNumpyTest, BigEndianIsSwapped) {
  expectTensor<float>(readOk(kBigEndianF32Npy), DType::F32, {3},
                      {1.5f, -2.0f, 3.0f});
  expectTensor<int64_t>(readOk(kBigEndianI64Npy), DType::I64, {2, 2},
                        {1, -2, 3, -4});
}

TEST(NpyNumpyTest, FormatVersions2And3) {
  expectTensor<int16_t>(readOk(kVersion2Npy), DType::I16, {4}, {0, 1, 2, 3});
  expectTensor<uint8_t>(readOk(kVersion3Npy), DType::U8, {4}, {0, 1, 2, 3});
}

TEST(NpyNumpyTest, OtherHeaderSpellings) {
  // Double quotes, no padding or trailing comma, Python 2 longs, "?" for
  // bool and "=" for native order are all valid Python dicts to numpy.
  expectTensor<uint8_t>(
      readOk(makeNpy("{\"shape\": (2L,), \"fortran_order\": False, "
                     "\"descr\": \"?\"}",
                     std::string("\1\0", 2))),
      DType::Bool, {2}, {1, 0});
  expectTensor<int16_t>(
      readOk(makeNpy("{'descr':'=i2','fortran_order':False,'shape':(1,)}",
                     std::string("\5\0", 2))),
      DType::I16, {1}, {5});
}

TEST_F(NpyFileTest, NumpySavez) {
  auto entries = npzOk(kSavezNpz);
  ASSERT_EQ(namesOf(entries),
            (std::vector<std::string>{"weights", "flag", "idx"}));
  expectTensor<float>(entries[0].second, DType::F32, {2, 3},
                      {0, 1, 2, 3, 4, 5});
  expectTensor<uint8_t>(entries[1].second, DType::Bool, {}, {1});
  expectTensor<int64_t>(entries[2].second, DType::I64, {2}, {7, -1});

  // writeNpz writes what np.savez writes, byte for byte.
  std::string file = path("again.npz"), error;
  ASSERT_TRUE(writeNpz(file, entries, error)) << error;
  EXPECT_EQ(readBytes(file), kSavezNpz);
}

TEST_F(NpyFileTest, NumpySavezCompressed) {
  auto entries = npzOk(kSavezCompressedNpz);
  ASSERT_EQ(namesOf(entries), (std::vector<std::string>{"w", "mask", "s"}));
  std::vector<float> iota(100);
  for (int i = 0; i < 100; ++i)
    iota[i] = float(i);
  expectTensor<float>(entries[0].second, DType::F32, {100}, iota);
  expectTensor<uint8_t>(entries[1].second, DType::Bool, {2}, {1, 0});
  expectTensor<double>(entries[2].second, DType::F64, {}, {2.5});
}

TEST_F(NpyFileTest, NumpyZip64Records) {
  // The records zipfile writes for arrays past 2 GiB: ZIP64 extra fields
  // in the central directory and a ZIP64 end record.
  auto entries = npzOk(kZip64Npz);
  ASSERT_EQ(namesOf(entries), (std::vector<std::string>{"a", "b"}));
  expectTensor<int16_t>(entries[0].second, DType::I16, {3}, {0, 1, 2});
  expectTensor<uint8_t>(entries[1].second, DType::Bool, {}, {1});

  // Past 4 GiB the classic end record holds only 0xffff... placeholders.
  std::string zip = kZip64Npz;
  size_t end = endRecordOf(zip);
  patchLE(zip, end + 8, 0xffff, 2);
  patchLE(zip, end + 10, 0xffff, 2);
  patchLE(zip, end + 12, 0xffffffff, 4);
  patchLE(zip, end + 16, 0xffffffff, 4);
  EXPECT_EQ(namesOf(npzOk(zip)), (std::vector<std::string>{"a", "b"}));
}

TEST_F(NpyFileTest, NpzMembersWithoutNpySuffixKeepTheirNames) {
  auto entries = npzOk(makeStoredZip({{"x.npy", kU8Npy}, {"raw", kI8Npy}}));
  EXPECT_EQ(namesOf(entries), (std::vector<std::string>{"x", "raw"}));
}

//===----------------------------------------------------------------------===//
// Malformed .npy files
//===----------------------------------------------------------------------===//

TEST(NpyMalformedTest, BadMagic) {
  EXPECT_EQ(readError("hello, world"), "not a .npy file (bad magic)");
  EXPECT_EQ(readError(kSavezNpz), "not a .npy file (bad magic)");
  EXPECT_EQ(readError(std::string("\x93NUMPX\1\0", 8)),
            "not a .npy file (bad magic)");
  EXPECT_EQ(readError(""), "not a .npy file (it is empty)");
  Tensor t;
  std::string error;
  EXPECT_FALSE(readNpyBuffer(nullptr, 0, t, error));
  EXPECT_EQ(error, "not a .npy file (it is empty)");
}

TEST_F(NpyFileTest, ErrorsNameTheFile) {
  std::string file = path("text.npy"), error;
  writeBytes(file, "not numpy at all");
  Tensor t;
  EXPECT_FALSE(readNpy(file, t, error));
  EXPECT_EQ(error, file + ": not a .npy file (bad magic)");

  writeBytes(file, kMatrixNpy.substr(0, kMatrixNpy.size() - 1));
  EXPECT_FALSE(readNpy(file, t, error));
  EXPECT_EQ(error, file + ": data is truncated: expected 24 bytes, found 23");

  std::string missing = path("missing.npy");
  EXPECT_FALSE(readNpy(missing, t, error));
  EXPECT_EQ(error.rfind("cannot read '" + missing + "': ", 0), 0u) << error;
  std::vector<std::pair<std::string, Tensor>> entries;
  EXPECT_FALSE(readNpz(missing, entries, error));
  EXPECT_EQ(error.rfind("cannot read '" + missing + "': ", 0), 0u) << error;
  EXPECT_FALSE(readNpy(std::string(dir), t, error));
  EXPECT_EQ(error.rfind("cannot read '" + std::string(dir) + "': ", 0), 0u)
      << error;
  EXPECT_TRUE(t.empty());
}

TEST(NpyMalformedTest, UnsupportedVersion) {
  std::string npy = kMatrixNpy;
  npy[6] = 4;
  EXPECT_EQ(readError(npy),
            "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)");
  npy[6] = 1;
  npy[7] = 1;
  EXPECT_EQ(readError(npy),
            "unsupported .npy format version 1.1 (supported: 1.0, 2.0, 3.0)");
}

TEST(NpyMalformedTest, TruncatedHeader) {
  EXPECT_EQ(readError(kMatrixNpy.substr(0, 3)), "header is truncated: "
                                                "expected at least 10 bytes, "
                                                "found 3");
  EXPECT_EQ(readError(kMatrixNpy.substr(0, 9)), "header is truncated: "
                                                "expected at least 10 bytes, "
                                                "found 9");
  EXPECT_EQ(readError(kVersion2Npy.substr(0, 11)),
            "header is truncated: expected at least 12 bytes, found 11");
  EXPECT_EQ(readError(kMatrixNpy.substr(0, 50)),
            "header is truncated: expected 118 bytes, found 40");
  EXPECT_EQ(readError(kMatrixNpy.substr(0, 127)),
            "header is truncated: expected 118 bytes, found 117");
}

TEST(NpyMalformedTest, TruncatedData) {
  EXPECT_EQ(readError(kMatrixNpy.substr(0, kMatrixNpy.size() - 4)),
            "data is truncated: expected 24 bytes, found 20");
  EXPECT_EQ(readError(kMatrixNpy.substr(0, 128)),
            "data is truncated: expected 24 bytes, found 0");
  // A huge shape is refused before anything is allocated.
  EXPECT_EQ(readError(makeNpy("{'descr': '<f8', 'fortran_order': False, "
                              "'shape': (1000000000000,), }\n")),
            "data is truncated: expected 8000000000000 bytes, found 0");
}

TEST(NpyMalformedTest, DataSizeMismatch) {
  EXPECT_EQ(readError(kMatrixNpy + "????"),
            "data size mismatch: float32[2x3] needs 24 bytes, but 28 follow "
            "the header");
  EXPECT_EQ(readError(makeNpy("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (0,), }\n",
                              "x")),
            "data size mismatch: float32[0] needs 0 bytes, but 1 follow the "
            "header");
}

TEST(NpyMalformedTest, HeaderIsNotADict) {
  auto error = [](const std::string &header) {
    return readError(makeNpy(header));
  };
  EXPECT_EQ(error("[1, 2]\n"),
            "header is not a valid dictionary (it is a list): [1, 2]");
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)"),
            "header is not a valid dictionary (expected ',' or '}', found end "
            "of header at offset 56): {'descr': '<f4', 'fortran_order': "
            "False, 'shape': (2, 3)");
  EXPECT_EQ(error("{'descr' '<f4'}"),
            "header is not a valid dictionary (expected ':' after a key, "
            "found ''' at offset 9): {'descr' '<f4'}");
  EXPECT_EQ(error("{'descr': '<f4}"),
            "header is not a valid dictionary (unterminated string at offset "
            "15): {'descr': '<f4}");
  EXPECT_EQ(error("{'descr': <f4}"),
            "header is not a valid dictionary (unexpected '<' at offset 10): "
            "{'descr': <f4}");
  EXPECT_EQ(error("{'shape': (2.5,)}"),
            "header is not a valid dictionary (expected ',' or ')', found '.' "
            "at offset 12): {'shape': (2.5,)}");
  EXPECT_EQ(error("{'a': nan}"), "header is not a valid dictionary "
                                 "(unexpected name 'nan' at offset 6): {'a': "
                                 "nan}");
  EXPECT_EQ(error("{} {}"), "header is not a valid dictionary (unexpected '{' "
                            "after the dictionary at offset 3): {} {}");
  EXPECT_EQ(error(std::string("{\0}", 3)),
            "header is not a valid dictionary (unexpected byte 0x00 at offset "
            "1): {?}");
  EXPECT_EQ(error(""), "header is not a valid dictionary (unexpected end of "
                       "header at offset 0): ");
  EXPECT_EQ(error("{1: 2}"), "header is not a valid dictionary (a key is an "
                             "integer, not a string): {1: 2}");
  // Deep nesting is refused, not recursed into.
  std::string deep = "{'descr': " + std::string(100000, '(');
  EXPECT_NE(error(deep).find("values nested too deeply"), std::string::npos);
}

TEST(NpyMalformedTest, HeaderHasWrongKeys) {
  auto error = [](const std::string &header) {
    return readError(makeNpy(header));
  };
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False}"),
            "header has no 'shape' key");
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False, 'shape': (), "
                  "'extra': 1}"),
            "header has an unexpected key 'extra' (expected 'descr', "
            "'fortran_order' and 'shape')");
  EXPECT_EQ(error("{'descr': '<f4', 'descr': '<f4'}"),
            "header has the key 'descr' twice");
  EXPECT_EQ(error("{'descr': 4, 'fortran_order': False, 'shape': ()}"),
            "header's 'descr' is an integer, not a string");
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}"),
            "header's 'fortran_order' is an integer, not True or False");
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}"),
            "header's 'shape' is a list, not a tuple of integers");
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}"),
            "header's 'shape' is an integer, not a tuple of integers");
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, "
                  "None)}"),
            "header's 'shape' has None, not an integer, at index 1");
}

TEST(NpyMalformedTest, UnsupportedDType) {
  auto error = [](const std::string &descr) {
    return readError(makeNpy("{'descr': " + descr +
                             ", 'fortran_order': False, 'shape': (1,), }\n"));
  };
  const std::string supported =
      " (supported: bool, int8 to int64, uint8 to uint64, float16, float32, "
      "float64)";
  EXPECT_EQ(error("'<c8'"), "unsupported dtype '<c8'" + supported);
  EXPECT_EQ(error("'|O'"), "unsupported dtype '|O'" + supported);
  EXPECT_EQ(error("'<U5'"), "unsupported dtype '<U5'" + supported);
  // ml_dtypes' bfloat16 is saved as raw bytes; it is never read as bf16.
  EXPECT_EQ(error("'|V2'"), "unsupported dtype '|V2'" + supported);
  EXPECT_EQ(error("'<f3'"), "unsupported dtype '<f3'" + supported);
  EXPECT_EQ(error("''"), "unsupported dtype ''" + supported);
  EXPECT_EQ(error("'<\1f4'"), "unsupported dtype '<?f4'" + supported);
  EXPECT_EQ(error("'" + std::string(100, 'x') + "'"),
            "unsupported dtype '" + std::string(60, 'x') + "...'" + supported);
  EXPECT_EQ(error("[('a', '<f4'), ('b', '<i4')]"),
            "unsupported dtype: structured arrays (a 'descr' list) are not "
            "supported");
}

TEST(NpyMalformedTest, BadShape) {
  auto error = [](const std::string &descr, const std::string &shape) {
    return readError(makeNpy("{'descr': '" + descr +
                             "', 'fortran_order': False, 'shape': " + shape +
                             ", }\n"));
  };
  EXPECT_EQ(error("<f4", "(-1, 3)"), "shape (-1, 3) has a negative dimension");
  EXPECT_EQ(error("<f4", "(2, - 3)"),
            "shape (2, - 3) has a negative dimension");
  EXPECT_EQ(error("<f4", "(99999999999999999999999,)"),
            "shape (99999999999999999999999,) has a dimension that is too "
            "large");
  EXPECT_EQ(error("<f4", "(9223372036854775808,)"),
            "shape (9223372036854775808,) has a dimension that is too large");
  EXPECT_EQ(error("<f4", "(4294967296, 4294967296, 4)"),
            "shape (4294967296, 4294967296, 4) is too large (its element "
            "count overflows 64 bits)");
  EXPECT_EQ(error("<f8", "(2305843009213693952, 2)"),
            "shape (2305843009213693952, 2) is too large (its byte size of "
            "float64 elements overflows 64 bits)");
  EXPECT_EQ(error("|u1", "(2305843009213693952, 2)"),
            "data is truncated: expected 4611686018427387904 bytes, found 0");
}

TEST(NpyMalformedTest, EveryTruncationAndByteFlipIsHandled) {
  for (const std::string *npy :
       {&kMatrixNpy, &kScalarNpy, &kFortran3dNpy, &kBigEndianI64Npy,
        &kVersion2Npy, &kVersion3Npy}) {
    for (size_t n = 0; n < npy->size(); ++n)
      readError(npy->substr(0, n));
    for (size_t i = 0; i < npy->size(); ++i) {
      for (unsigned char bits : {0x01, 0x80, 0xff}) {
        std::string bad = *npy;
        bad[i] = char(bad[i] ^ bits);
        Tensor t;
        std::string error;
        if (!readNpyBuffer(bad.data(), bad.size(), t, error)) {
          EXPECT_FALSE(error.empty());
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Malformed .npz files
//===----------------------------------------------------------------------===//

TEST_F(NpyFileTest, NotAZip) {
  EXPECT_EQ(npzError("hello, world, this is plain text"),
            "not a zip archive (no end of central directory record)");
  EXPECT_EQ(npzError(""),
            "not a zip archive (no end of central directory record)");
  EXPECT_EQ(npzError(kMatrixNpy), "not a zip archive (no end of central "
                                  "directory record); it is a .npy file");
  EXPECT_EQ(npzError(kSavezNpz.substr(0, kSavezNpz.size() / 2)),
            "not a zip archive (no end of central directory record)");
  EXPECT_EQ(npzError(kSavezNpz.substr(0, kSavezNpz.size() - 1)),
            "not a zip archive (no end of central directory record)");
}

TEST_F(NpyFileTest, BadCentralDirectory) {
  std::string zip = kSavezNpz;
  size_t end = endRecordOf(zip);
  patchLE(zip, end + 16, 0x7fffffff, 4);
  EXPECT_EQ(npzError(zip), "bad central directory offset or size (offset "
                           "2147483647, size 164, but the directory must end "
                           "by offset 765)");
  zip = kSavezNpz;
  patchLE(zip, end + 12, 165, 4);
  EXPECT_EQ(npzError(zip), "bad central directory offset or size (offset "
                           "601, size 165, but the directory must end by "
                           "offset 765)");
  zip = kSavezNpz;
  patchLE(zip, end + 10, 4, 2);
  EXPECT_EQ(npzError(zip),
            "central directory entry #3 of 4 is past the directory's end");
  zip = kSavezNpz;
  patchLE(zip, end + 16, 600, 4);
  patchLE(zip, end + 12, 165, 4);
  EXPECT_EQ(npzError(zip),
            "central directory entry #0 of 3 has a bad signature");
  zip = kSavezNpz;
  patchLE(zip, centralEntryOf(zip, 2) + 28, 200, 2);
  EXPECT_EQ(npzError(zip),
            "central directory entry #2 runs past the directory's end");
  zip = kSavezNpz;
  patchLE(zip, end + 4, 1, 2);
  EXPECT_EQ(npzError(zip), "multi-part zip archives are not supported");
}

TEST_F(NpyFileTest, BadZip64Records) {
  std::string zip = kZip64Npz;
  size_t locator = endRecordOf(zip) - 20;
  patchLE(zip, locator + 8, 12345, 8);
  EXPECT_EQ(npzError(zip), "bad ZIP64 end of central directory locator (it "
                           "points to offset 12345, where there is no ZIP64 "
                           "end record)");
  // The entry of "b" has 0xffffffff for both sizes and its offset, and a
  // ZIP64 extra field with the three; make the field hold two.
  zip = kZip64Npz;
  size_t b = centralEntryOf(zip, 1);
  patchLE(zip, b + 46 + 5 + 2, 16, 2);
  EXPECT_EQ(npzError(zip), "entry 'b': its ZIP64 extra field is too short "
                           "for the sizes and offset it must hold");
  zip = kZip64Npz;
  patchLE(zip, b + 46 + 5 + 2, 200, 2);
  EXPECT_EQ(npzError(zip), "entry 'b': its extra field in the central "
                           "directory is malformed");
  // A 64-bit offset far past the end.
  zip = kZip64Npz;
  patchLE(zip, b + 46 + 5 + 20, uint64_t(1) << 62, 8);
  EXPECT_EQ(npzError(zip), "entry 'b': bad local header offset "
                           "4611686018427387904 (no local file header "
                           "there)");
}

TEST_F(NpyFileTest, BadMemberOffsetsAndSizes) {
  std::string zip = kSavezNpz;
  size_t flag = centralEntryOf(zip, 1);
  patchLE(zip, flag + 42, 7, 4);
  EXPECT_EQ(npzError(zip), "entry 'flag': bad local header offset 7 (no "
                           "local file header there)");
  zip = kSavezNpz;
  patchLE(zip, flag + 42, 0xfffffff0, 4);
  EXPECT_EQ(npzError(zip), "entry 'flag': bad local header offset 4294967280 "
                           "(no local file header there)");
  zip = kSavezNpz;
  patchLE(zip, flag + 42, 0, 4); // The local header of "weights".
  EXPECT_EQ(npzError(zip), "entry 'flag': its local header names "
                           "'weights.npy' (the archive is corrupt)");
  zip = kSavezNpz;
  patchLE(zip, flag + 20, 100000, 4);
  patchLE(zip, flag + 24, 100000, 4);
  EXPECT_EQ(npzError(zip), "entry 'flag': its data (100000 bytes after the "
                           "local header at offset 213) runs past the end "
                           "of the archive's data");
  zip = kSavezNpz;
  patchLE(zip, flag + 24, 128, 4);
  EXPECT_EQ(npzError(zip), "entry 'flag': it is stored uncompressed, but its "
                           "compressed size (129) differs from its size "
                           "(128)");
  zip = kSavezNpz;
  patchLE(zip, flag + 10, 12, 2);
  EXPECT_EQ(npzError(zip), "entry 'flag': unsupported compression method 12 "
                           "(supported: stored, deflate)");
  zip = kSavezNpz;
  patchLE(zip, flag + 8, 1, 2);
  EXPECT_EQ(npzError(zip), "entry 'flag': it is encrypted");
}

TEST_F(NpyFileTest, CorruptMembers) {
  // One data byte of "idx" changed.
  std::string zip = kSavezNpz;
  zip[centralEntryOf(zip, 0) - 1] ^= 1;
  EXPECT_EQ(npzError(zip), "entry 'idx': CRC-32 mismatch (the archive is "
                           "corrupt)");
  // Members that are not .npy files, or broken ones, are named.
  EXPECT_EQ(npzError(makeStoredZip({{"a.npy", kU8Npy}, {"b.npy", "hello"}})),
            "entry 'b': not a .npy file (bad magic)");
  EXPECT_EQ(npzError(makeStoredZip(
                {{"m.npy", kMatrixNpy.substr(0, kMatrixNpy.size() - 4)}})),
            "entry 'm': data is truncated: expected 24 bytes, found 20");
  EXPECT_EQ(npzError(makeStoredZip({{"m.npy", makeNpy("{'descr': '<c8', "
                                                      "'fortran_order': "
                                                      "False, 'shape': ()}",
                                                      "12345678")}})),
            "entry 'm': unsupported dtype '<c8' (supported: bool, int8 to "
            "int64, uint8 to uint64, float16, float32, float64)");
  EXPECT_EQ(npzError(makeStoredZip({{"dir/", ""}})),
            "entry 'dir/': not a .npy file (it is empty)");
}

TEST_F(NpyFileTest, CorruptDeflatedMembers) {
  std::string zip = kSavezCompressedNpz;
  size_t w = centralEntryOf(zip, 0), mask = centralEntryOf(zip, 1);
  // Bytes in the middle of w's deflate data.
  std::string bad = zip;
  bad[120] ^= 0x55;
  bad[121] ^= 0x55;
  std::string error = npzError(bad);
  EXPECT_EQ(error.rfind("entry 'w': ", 0), 0u) << error;
  // A size deflate cannot reach.
  bad = zip;
  patchLE(bad, w + 24, 0x7fffffff, 4);
  EXPECT_EQ(npzError(bad), "entry 'w': its size (2147483647 bytes) is "
                           "impossible for 267 bytes of deflate data (the "
                           "archive is corrupt)");
  // Sizes that disagree with the stream.
  bad = zip;
  patchLE(bad, w + 20, 100, 4);
  EXPECT_EQ(npzError(bad), "entry 'w': its deflate data is truncated");
  bad = zip;
  patchLE(bad, w + 24, 528 + 4, 4);
  EXPECT_EQ(npzError(bad), "entry 'w': data size mismatch: float32[100] "
                           "needs 400 bytes, but 404 follow the header");
  bad = zip;
  patchLE(bad, mask + 24, 129, 4);
  EXPECT_EQ(npzError(bad), "entry 'mask': data is truncated: expected 2 "
                           "bytes, found 1");
  bad = zip;
  patchLE(bad, mask + 16, 1234, 4);
  EXPECT_EQ(npzError(bad), "entry 'mask': CRC-32 mismatch (the archive is "
                           "corrupt)");
}

TEST_F(NpyFileTest, EveryNpzTruncationAndByteFlipIsHandled) {
  for (const std::string *npz :
       {&kSavezNpz, &kSavezCompressedNpz, &kZip64Npz}) {
    for (size_t n = 0; n < npz->size(); ++n)
      npzError(npz->substr(0, n));
    std::string file = path("flipped.npz");
    for (size_t i = 0; i < npz->size(); ++i) {
      std::string bad = *npz;
      bad[i] = char(bad[i] ^ 0xff);
      writeBytes(file, bad);
      std::vector<std::pair<std::string, Tensor>> entries;
      std::string error;
      if (!readNpz(file, entries, error)) {
        EXPECT_FALSE(error.empty());
      }
    }
  }
}

} // namespace
