//===- TokenizerTest.cpp - byte and BPE tokenizers ------------------------===//
#include "hrmrt/Tokenizer.h"
#include "TempFiles.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace hrmrt;

namespace {

using namespace hrmrt::testing;

TEST(Tokenizer, BytesRoundTrip) {
  ByteTokenizer t;
  std::string text("a\0\xff b", 5);
  std::vector<int32_t> ids = t.encode(text);
  EXPECT_EQ(ids, (std::vector<int32_t>{'a', 0, 255, ' ', 'b'}));
  EXPECT_EQ(t.decode(ids), text);
}

TEST(Tokenizer, PrintableAlphabetIsGPT2s) {
  // Space is U+0120 'Ġ', newline U+010A 'Ċ', printable ASCII is itself.
  EXPECT_EQ(bytesToPrintable(" "), "\xC4\xA0");
  EXPECT_EQ(bytesToPrintable("\n"), "\xC4\x8A");
  EXPECT_EQ(bytesToPrintable("Az"), "Az");
  std::string all;
  for (int b = 0; b < 256; ++b)
    all.push_back(static_cast<char>(b));
  auto back = printableToBytes(bytesToPrintable(all));
  ASSERT_TRUE(static_cast<bool>(back));
  EXPECT_EQ(*back, all);
  auto bad = printableToBytes("\xE4\xB8\x80"); // U+4E00 is not in it
  ASSERT_FALSE(static_cast<bool>(bad));
  llvm::consumeError(bad.takeError());
}

TEST(Tokenizer, WordsFollowGPT2sPattern) {
  EXPECT_EQ(BPETokenizer::splitWords("Hello world's 42 items!!"),
            (std::vector<std::string>{"Hello", " world", "'s", " 42", " items",
                                      "!!"}));
  // A whitespace run leaves its last space to the next word.
  EXPECT_EQ(BPETokenizer::splitWords("a   b\n\nc"),
            (std::vector<std::string>{"a", "  ", " b", "\n", "\n", "c"}));
  EXPECT_EQ(BPETokenizer::splitWords("end  "),
            (std::vector<std::string>{"end", "  "}));
}

TEST(Tokenizer, TrainSaveLoadRoundTrip) {
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += "the cat sat on the mat. the end\n";
  auto bpe = BPETokenizer::train(text, 300);
  ASSERT_TRUE(static_cast<bool>(bpe)) << toString(bpe.takeError());
  // Merges stay inside words: once every word is one token, no pair is
  // left and training stops short of 300.
  EXPECT_LT((*bpe)->vocabSize(), 300);
  EXPECT_EQ((*bpe)->vocabSize(), 256 + static_cast<int64_t>((*bpe)->numMerges()));
  std::vector<int32_t> ids = (*bpe)->encode(text);
  EXPECT_EQ(ids.size(), 500u); // 10 words a line

  EXPECT_EQ((*bpe)->decode(ids), text);
  // " the" is frequent enough to be one token.
  EXPECT_EQ((*bpe)->encode(" the").size(), 1u);

  std::string dir = tempDir();
  ASSERT_FALSE(static_cast<bool>((*bpe)->save(dir)));
  auto loaded = BPETokenizer::load(dir + "/vocab.json", dir + "/merges.txt");
  ASSERT_TRUE(static_cast<bool>(loaded)) << toString(loaded.takeError());
  EXPECT_EQ((*loaded)->vocabSize(), (*bpe)->vocabSize());
  EXPECT_EQ((*loaded)->encode(text), ids);
  // Bytes never seen in training still encode, as byte tokens.
  std::string unseen("\x01\xfe zebra", 8);
  EXPECT_EQ((*loaded)->decode((*loaded)->encode(unseen)), unseen);
  llvm::sys::fs::remove_directories(dir);
}

TEST(Tokenizer, ReadsGPT2Files) {
  // A GPT-2-format vocabulary: the 256 bytes, then "Ġt", "he", "Ġthe".
  std::string dir = tempDir();
  std::string vocab = "{";
  for (int b = 0; b < 256; ++b) {
    std::string key = bytesToPrintable(std::string(1, static_cast<char>(b)));
    std::string escaped;
    for (char c : key)
      escaped += (c == '"' || c == '\\') ? std::string("\\") + c
                                         : std::string(1, c);
    vocab += "\"" + escaped + "\": " + std::to_string(b) + ", ";
  }
  vocab += "\"\xC4\xA0t\": 256, \"he\": 257, \"\xC4\xA0the\": 258}";
  writeFile(dir + "/vocab.json", vocab);
  writeFile(dir + "/merges.txt",
            "#version: 0.2\n\xC4\xA0 t\nh e\n\xC4\xA0t he\n");
  auto bpe = BPETokenizer::load(dir + "/vocab.json", dir + "/merges.txt");
  ASSERT_TRUE(static_cast<bool>(bpe)) << toString(bpe.takeError());
  EXPECT_EQ((*bpe)->encode("a the"), (std::vector<int32_t>{'a', 258}));
  EXPECT_EQ((*bpe)->encode("hehe"), (std::vector<int32_t>{257, 257}));

  // A merge whose result is not in the vocabulary names the line.
  writeFile(dir + "/merges.txt", "#version: 0.2\na b\n");
  auto bad = BPETokenizer::load(dir + "/vocab.json", dir + "/merges.txt");
  ASSERT_FALSE(static_cast<bool>(bad));
  std::string message = toString(bad.takeError());
  EXPECT_NE(message.find("merges.txt: line 2: the merge 'a b' makes a token "
                         "missing from"),
            std::string::npos)
      << message;
  // A vocabulary without every byte is not byte-level.
  writeFile(dir + "/vocab.json", "{\"a\": 0}");
  bad = BPETokenizer::load(dir + "/vocab.json", dir + "/merges.txt");
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_NE(toString(bad.takeError()).find("has no token"), std::string::npos);
  llvm::sys::fs::remove_directories(dir);
}

TEST(Tokenizer, TrainRejectsSmallVocabularies) {
  auto bpe = BPETokenizer::train("abc", 100);
  ASSERT_FALSE(static_cast<bool>(bpe));
  EXPECT_NE(toString(bpe.takeError()).find("at least 256"), std::string::npos);
}

} // namespace
