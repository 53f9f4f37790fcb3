//===- TokenFile.cpp - a tokenised corpus on disk -------------------------===//
#include "hrmrt/TokenFile.h"
#include "hrmrt/FileIO.h"

#include "llvm/Support/Endian.h"

#include <cstring>

using namespace hrmrt;

static constexpr char kMagic[8] = {'H', 'R', 'M', 'T', 'O', 'K', '1', '\n'};
static constexpr size_t kHeader = 8 + 4 + 8;

llvm::Expected<TokenFile> TokenFile::read(llvm::StringRef path) {
  auto file = readFile(path);
  if (!file)
    return file.takeError();
  llvm::StringRef data = (*file)->getBuffer();
  auto bad = [&](const llvm::Twine &why) {
    return llvm::createStringError(path + ": not a token file: " + why);
  };
  if (data.size() < kHeader || std::memcmp(data.data(), kMagic, 8) != 0)
    return bad("missing the HRMTOK1 header (make one with `hrm-run "
               "prepare-data`)");
  TokenFile out;
  out.vocabSize = llvm::support::endian::read32le(data.data() + 8);
  uint64_t count = llvm::support::endian::read64le(data.data() + 12);
  if (data.size() != kHeader + count * 4)
    return bad("the header promises " + llvm::Twine(count) +
               " tokens, the file holds " +
               llvm::Twine((data.size() - kHeader) / 4));
  out.tokens.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t t = llvm::support::endian::read32le(data.data() + kHeader + 4 * i);
    if (t >= out.vocabSize)
      return bad("token " + llvm::Twine(t) + " at " + llvm::Twine(i) +
                 " is outside the vocabulary of " +
                 llvm::Twine(out.vocabSize));
    out.tokens[i] = static_cast<int32_t>(t);
  }
  return out;
}

llvm::Error TokenFile::write(llvm::StringRef path) const {
  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    os.write(kMagic, 8);
    char buf[8];
    llvm::support::endian::write32le(buf, vocabSize);
    os.write(buf, 4);
    llvm::support::endian::write64le(buf, tokens.size());
    os.write(buf, 8);
    for (int32_t t : tokens) {
      llvm::support::endian::write32le(buf, static_cast<uint32_t>(t));
      os.write(buf, 4);
    }
  });
}
