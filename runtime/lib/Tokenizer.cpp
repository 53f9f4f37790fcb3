//===- Tokenizer.cpp ------------------------------------------------------===//
#include "hrmrt/Tokenizer.h"
#include "hrmrt/FileIO.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cctype>

using namespace hrmrt;

//===----------------------------------------------------------------------===//
// Byte tokens
//===----------------------------------------------------------------------===//

std::vector<int32_t> ByteTokenizer::encode(llvm::StringRef text) const {
  std::vector<int32_t> ids;
  for (char c : text)
    ids.push_back(static_cast<uint8_t>(c));
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string s;
  for (int32_t id : ids)
    s.push_back(static_cast<char>(id));
  return s;
}

//===----------------------------------------------------------------------===//
// GPT-2's byte alphabet
//===----------------------------------------------------------------------===//

namespace {

/// byte -> code point: printable Latin-1 bytes keep their value, the others
/// take 256, 257, ... in byte order.
std::array<uint32_t, 256> byteCodePoints() {
  std::array<uint32_t, 256> table{};
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                     (b >= 174 && b <= 255);
    table[b] = printable ? b : next++;
  }
  return table;
}

void appendUTF8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

llvm::Error readError(llvm::StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(path + ": " + what);
}

} // namespace

std::string hrmrt::bytesToPrintable(llvm::StringRef bytes) {
  static const std::array<uint32_t, 256> table = byteCodePoints();
  std::string out;
  for (char c : bytes)
    appendUTF8(out, table[static_cast<uint8_t>(c)]);
  return out;
}

llvm::Expected<std::string> hrmrt::printableToBytes(llvm::StringRef text) {
  static const std::array<uint32_t, 256> table = byteCodePoints();
  static const std::map<uint32_t, uint8_t> inverse = [] {
    std::map<uint32_t, uint8_t> m;
    for (uint32_t b = 0; b < 256; ++b)
      m[table[b]] = static_cast<uint8_t>(b);
    return m;
  }();
  std::string out;
  for (size_t i = 0; i < text.size();) {
    uint8_t lead = text[i];
    uint32_t cp;
    size_t len;
    if (lead < 0x80) {
      cp = lead;
      len = 1;
    } else if ((lead & 0xE0) == 0xC0) {
      cp = lead & 0x1F;
      len = 2;
    } else if ((lead & 0xF0) == 0xE0) {
      cp = lead & 0x0F;
      len = 3;
    } else {
      return llvm::createStringError("invalid UTF-8 in token '" + text + "'");
    }
    if (i + len > text.size())
      return llvm::createStringError("truncated UTF-8 in token '" + text +
                                     "'");
    for (size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
    auto it = inverse.find(cp);
    if (it == inverse.end())
      return llvm::createStringError(
          "token '" + text + "' has a character outside GPT-2's byte alphabet");
    out.push_back(static_cast<char>(it->second));
    i += len;
  }
  return out;
}

//===----------------------------------------------------------------------===//
// BPE
//===----------------------------------------------------------------------===//

namespace {
enum class CharClass { Letter, Digit, Space, Other };
CharClass classOf(char c) {
  uint8_t u = static_cast<uint8_t>(c);
  if (std::isalpha(u) || u >= 0x80) // bytes of non-ASCII text count as letters
    return CharClass::Letter;
  if (std::isdigit(u))
    return CharClass::Digit;
  if (std::isspace(u))
    return CharClass::Space;
  return CharClass::Other;
}
} // namespace

std::vector<std::string> BPETokenizer::splitWords(llvm::StringRef text) {
  // GPT-2's pattern with ASCII classes: contractions, ` ?letters`,
  // ` ?digits`, ` ?others`, and whitespace runs (a run before a word leaves
  // its last space to that word).
  static const char *contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll",
                                       "'d"};
  std::vector<std::string> words;
  size_t i = 0, n = text.size();
  while (i < n) {
    bool matched = false;
    for (const char *c : contractions)
      if (text.substr(i).starts_with(c)) {
        size_t len = std::strlen(c);
        words.push_back(text.substr(i, len).str());
        i += len;
        matched = true;
        break;
      }
    if (matched)
      continue;
    size_t start = i;
    // ` ?letters`, ` ?digits`, ` ?others`.
    if (text[i] == ' ' && i + 1 < n &&
        classOf(text[i + 1]) != CharClass::Space)
      ++i;
    CharClass cls = classOf(text[i]);
    if (cls != CharClass::Space) {
      while (i < n && classOf(text[i]) == cls)
        ++i;
      words.push_back(text.substr(start, i - start).str());
      continue;
    }
    // Whitespace: a run followed by a word leaves its last character to
    // that word (`\s+(?!\S)`), unless the run is that one character.
    size_t end = i;
    while (end < n && classOf(text[end]) == CharClass::Space)
      ++end;
    if (end < n && end - i > 1)
      --end;
    words.push_back(text.substr(start, end - start).str());
    i = end;
  }
  return words;
}

void BPETokenizer::addToken(const std::string &bytes, int32_t id) {
  if (static_cast<size_t>(id) >= tokens_.size())
    tokens_.resize(id + 1);
  tokens_[id] = bytes;
  ids_[bytes] = id;
}

std::vector<std::string> BPETokenizer::mergeWord(const std::string &word) const {
  std::vector<std::string> parts;
  for (char c : word)
    parts.push_back(std::string(1, c));
  while (parts.size() > 1) {
    size_t best = ranks_.size(), at = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = ranks_.find({parts[i], parts[i + 1]});
      if (it != ranks_.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == ranks_.size())
      break;
    parts[at] += parts[at + 1];
    parts.erase(parts.begin() + at + 1);
  }
  return parts;
}

std::vector<int32_t> BPETokenizer::encode(llvm::StringRef text) const {
  std::vector<int32_t> ids;
  for (const std::string &word : splitWords(text))
    for (const std::string &part : mergeWord(word)) {
      auto it = ids_.find(part);
      if (it != ids_.end()) {
        ids.push_back(it->second);
        continue;
      }
      for (char c : part) // every byte is in the vocabulary
        ids.push_back(ids_.at(std::string(1, c)));
    }
  return ids;
}

std::string BPETokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string s;
  for (int32_t id : ids)
    if (id >= 0 && static_cast<size_t>(id) < tokens_.size())
      s += tokens_[id];
  return s;
}

llvm::Expected<std::unique_ptr<BPETokenizer>>
BPETokenizer::load(llvm::StringRef vocabPath, llvm::StringRef mergesPath) {
  auto vocabFile = readFile(vocabPath);
  if (!vocabFile)
    return vocabFile.takeError();
  auto mergesFile = readFile(mergesPath);
  if (!mergesFile)
    return mergesFile.takeError();
  llvm::Expected<llvm::json::Value> vocab =
      llvm::json::parse((*vocabFile)->getBuffer());
  if (!vocab)
    return readError(vocabPath, "not JSON: " + toString(vocab.takeError()));
  const llvm::json::Object *object = vocab->getAsObject();
  if (!object)
    return readError(vocabPath, "not a JSON object of token -> id");
  std::unique_ptr<BPETokenizer> t(new BPETokenizer());
  for (const auto &[key, value] : *object) {
    std::optional<int64_t> id = value.getAsInteger();
    if (!id || *id < 0 || *id >= (1 << 24))
      return readError(vocabPath, "token '" + key.str() +
                                      "' needs a non-negative integer id");
    llvm::Expected<std::string> bytes = printableToBytes(key);
    if (!bytes)
      return readError(vocabPath, toString(bytes.takeError()));
    t->addToken(*bytes, *id);
  }
  for (int b = 0; b < 256; ++b)
    if (!t->ids_.count(std::string(1, static_cast<char>(b))))
      return readError(vocabPath, "byte " + llvm::Twine(b) +
                                      " has no token: not a byte-level BPE");
  llvm::SmallVector<llvm::StringRef> lines;
  (*mergesFile)->getBuffer().split(lines, '\n', -1, false);
  for (auto [number, line] : llvm::enumerate(lines)) {
    line = line.rtrim("\r");
    if (line.starts_with("#version") || line.empty())
      continue;
    auto [a, b] = line.split(' ');
    if (a.empty() || b.empty() || b.contains(' '))
      return readError(mergesPath, "line " + llvm::Twine(number + 1) +
                                       ": expected two tokens, \"a b\"");
    llvm::Expected<std::string> left = printableToBytes(a);
    llvm::Expected<std::string> right = printableToBytes(b);
    if (!left || !right) {
      llvm::consumeError(left.takeError());
      llvm::consumeError(right.takeError());
      return readError(mergesPath, "line " + llvm::Twine(number + 1) +
                                       ": bad token characters");
    }
    if (!t->ids_.count(*left + *right))
      return readError(mergesPath, "line " + llvm::Twine(number + 1) +
                                       ": the merge '" + line +
                                       "' makes a token missing from " +
                                       vocabPath);
    t->ranks_[{*left, *right}] = t->merges_.size();
    t->merges_.push_back({*left, *right});
  }
  return t;
}

llvm::Expected<std::unique_ptr<BPETokenizer>>
BPETokenizer::train(llvm::StringRef text, int64_t vocabSize) {
  if (vocabSize < 256)
    return llvm::createStringError("a byte-level BPE vocabulary needs at "
                                   "least 256 tokens; asked for " +
                                   llvm::Twine(vocabSize));
  std::unique_ptr<BPETokenizer> t(new BPETokenizer());
  for (int b = 0; b < 256; ++b)
    t->addToken(std::string(1, static_cast<char>(b)), b);
  // Each distinct word once, with its count and current split.
  std::map<std::string, int64_t> counts;
  for (const std::string &w : splitWords(text))
    ++counts[w];
  std::vector<std::pair<std::vector<std::string>, int64_t>> words;
  for (const auto &[w, n] : counts) {
    std::vector<std::string> parts;
    for (char c : w)
      parts.push_back(std::string(1, c));
    words.push_back({parts, n});
  }
  while (static_cast<int64_t>(t->tokens_.size()) < vocabSize) {
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (const auto &[parts, n] : words)
      for (size_t i = 0; i + 1 < parts.size(); ++i)
        pairs[{parts[i], parts[i + 1]}] += n;
    // The most frequent pair; ties go to the smallest pair, so training is
    // deterministic.
    const std::pair<std::string, std::string> *best = nullptr;
    int64_t bestCount = 1;
    for (const auto &[pair, n] : pairs)
      if (n > bestCount) {
        best = &pair;
        bestCount = n;
      }
    if (!best)
      break;
    std::pair<std::string, std::string> merge = *best;
    std::string joined = merge.first + merge.second;
    t->ranks_[merge] = t->merges_.size();
    t->merges_.push_back(merge);
    t->addToken(joined, t->tokens_.size());
    for (auto &[parts, n] : words)
      for (size_t i = 0; i + 1 < parts.size();) {
        if (parts[i] == merge.first && parts[i + 1] == merge.second) {
          parts[i] = joined;
          parts.erase(parts.begin() + i + 1);
        } else {
          ++i;
        }
      }
  }
  return t;
}

llvm::Error BPETokenizer::save(llvm::StringRef dir) const {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError(ec, "cannot create %s",
                                   dir.str().c_str());
  llvm::json::Object vocab;
  for (auto [id, bytes] : llvm::enumerate(tokens_))
    vocab[bytesToPrintable(bytes)] = static_cast<int64_t>(id);
  std::string vocabText;
  llvm::raw_string_ostream(vocabText) << llvm::json::Value(std::move(vocab));
  std::string mergesText = "#version: 0.2\n";
  for (const auto &[a, b] : merges_)
    mergesText += bytesToPrintable(a) + " " + bytesToPrintable(b) + "\n";
  auto inDir = [&](llvm::StringRef name) {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  };
  if (llvm::Error e = writeFileAtomically(
          inDir("vocab.json"), [&](llvm::raw_ostream &os) { os << vocabText; }))
    return e;
  return writeFileAtomically(inDir("merges.txt"),
                             [&](llvm::raw_ostream &os) { os << mergesText; });
}
