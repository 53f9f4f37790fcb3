//===- Tokenizer.h - byte-level and GPT-2-style BPE tokenizers --*- C++ -*-===//
#ifndef HRMRT_TOKENIZER_H
#define HRMRT_TOKENIZER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hrmrt {

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int32_t> encode(llvm::StringRef text) const = 0;
  virtual std::string decode(const std::vector<int32_t> &ids) const = 0;
  virtual int64_t vocabSize() const = 0;
};

/// Token i is byte i.
class ByteTokenizer : public Tokenizer {
public:
  std::vector<int32_t> encode(llvm::StringRef text) const override;
  std::string decode(const std::vector<int32_t> &ids) const override;
  int64_t vocabSize() const override { return 256; }
};

/// GPT-2's byte-level BPE: text is split into words (letters, digits, other
/// symbols, each with an optional leading space, and runs of whitespace),
/// each word's bytes are merged pairwise by rank, and tokens are looked up
/// in the vocabulary. Files are GPT-2's: vocab.json (token -> id, tokens
/// spelled with GPT-2's printable byte alphabet) and merges.txt (one "a b"
/// pair per line in rank order, after a "#version" line).
class BPETokenizer : public Tokenizer {
public:
  static llvm::Expected<std::unique_ptr<BPETokenizer>>
  load(llvm::StringRef vocabPath, llvm::StringRef mergesPath);

  /// Learns merges from `text` until the vocabulary (256 bytes plus one
  /// token per merge) has `vocabSize` tokens, or no pair occurs twice.
  static llvm::Expected<std::unique_ptr<BPETokenizer>>
  train(llvm::StringRef text, int64_t vocabSize);

  /// Writes vocab.json and merges.txt into `dir` (atomically, each).
  llvm::Error save(llvm::StringRef dir) const;

  std::vector<int32_t> encode(llvm::StringRef text) const override;
  std::string decode(const std::vector<int32_t> &ids) const override;
  int64_t vocabSize() const override { return tokens_.size(); }
  size_t numMerges() const { return merges_.size(); }

  /// The words `encode` merges within.
  static std::vector<std::string> splitWords(llvm::StringRef text);

private:
  BPETokenizer() = default;
  void addToken(const std::string &bytes, int32_t id);
  std::vector<std::string> mergeWord(const std::string &word) const;

  std::vector<std::string> tokens_;                // id -> bytes
  std::map<std::string, int32_t> ids_;             // bytes -> id
  std::vector<std::pair<std::string, std::string>> merges_;
  std::map<std::pair<std::string, std::string>, size_t> ranks_;
};

/// GPT-2's reversible map from bytes to printable code points (UTF-8).
std::string bytesToPrintable(llvm::StringRef bytes);
llvm::Expected<std::string> printableToBytes(llvm::StringRef text);

} // namespace hrmrt

#endif // HRMRT_TOKENIZER_H
