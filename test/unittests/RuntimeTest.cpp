//===- RuntimeTest.cpp - safetensors, manifest and arena ------------------===//
#include "TempFiles.h"
#include "hrmrt/Arena.h"
#include "hrmrt/Heap.h"
#include "hrmrt/Manifest.h"
#include "hrmrt/Npy.h"
#include "hrmrt/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace hrmrt;

namespace {

using namespace hrmrt::testing;

std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

HostTensor makeTensor(std::string name, std::vector<int64_t> shape,
                      float start) {
  HostTensor t;
  t.spec = {std::move(name), DType::F32, std::move(shape)};
  t.data.resize(t.spec.bytes());
  for (int64_t i = 0; i < t.spec.numElements(); ++i)
    t.as<float>()[i] = start + i;
  return t;
}

TEST(Safetensors, RoundTrip) {
  std::string path = tempPath("rt.safetensors");
  HostTensor a = makeTensor("fast.blocks.0.attn.wq", {2, 3}, 1.0f);
  HostTensor b = makeTensor("embed", {4}, -2.0f);
  ASSERT_FALSE(errorOf(writeSafetensors(path, {&a, &b}, {{"k", "v"}})).size());
  auto read = readSafetensors(path);
  ASSERT_TRUE(static_cast<bool>(read)) << errorOf(read.takeError());
  ASSERT_EQ(read->size(), 2u);
  for (const HostTensor &t : *read) {
    const HostTensor &want = t.spec.name == "embed" ? b : a;
    EXPECT_EQ(t.spec.shape, want.spec.shape);
    EXPECT_EQ(t.spec.dtype, DType::F32);
    EXPECT_EQ(t.data, want.data);
  }
  // The header is padded to 8 bytes and no temporary is left behind.
  auto file = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(static_cast<bool>(file));
  uint64_t headerLen = 0;
  std::memcpy(&headerLen, (*file)->getBufferStart(), 8);
  EXPECT_EQ(headerLen % 8, 0u);
  EXPECT_FALSE(llvm::sys::fs::exists(path + ".tmp"));
  llvm::sys::fs::remove(path);
}

TEST(Safetensors, MissingFile) {
  auto read = readSafetensors("/nonexistent/params.safetensors");
  ASSERT_FALSE(static_cast<bool>(read));
  EXPECT_NE(errorOf(read.takeError()).find("cannot open /nonexistent"),
            std::string::npos);
}

struct CorruptCase {
  std::string bytes;
  std::string message;
};

std::string header(llvm::StringRef json) {
  std::string s(8, '\0');
  uint64_t n = json.size();
  std::memcpy(s.data(), &n, 8);
  return s + json.str();
}

TEST(Safetensors, CorruptFilesAreRejectedWithTheReason) {
  std::vector<CorruptCase> cases = {
      {"abc", "shorter than its 8-byte header length"},
      {std::string("\xff\xff\x00\x00\x00\x00\x00\x00", 8) + "{}",
       "runs past the end of the file"},
      {header("not json"), "header is not JSON"},
      {header("[1, 2]"), "header is not a JSON object"},
      {header(R"({"w": {"dtype": "F32", "shape": [2]}})"),
       "needs dtype, shape and two data_offsets"},
      {header(
           R"({"w": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}})") +
           std::string(8, '\0'),
       "unsupported dtype 'Q7'"},
      {header(
           R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}})") +
           std::string(8, '\0'),
       "data_offsets outside the file"},
      {header(
           R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})") +
           std::string(8, '\0'),
       "holds 8 bytes; F32 [3] needs 12"},
      // 4 * 2^32 * 2^32 bytes is 0 modulo 2^64: not a match for 0 bytes.
      {header(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296],)"
              R"( "data_offsets": [0, 0]}})"),
       "holds 0 bytes; F32 [4294967296, 4294967296] needs over 2^64"},
  };
  std::string path = tempPath("bad.safetensors");
  for (const CorruptCase &c : cases) {
    writeFile(path, c.bytes);
    auto read = readSafetensors(path);
    ASSERT_FALSE(static_cast<bool>(read)) << c.message;
    std::string message = errorOf(read.takeError());
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
  llvm::sys::fs::remove(path);
}

TEST(Safetensors, FailedWriteLeavesTheOldFile) {
  std::string path = "/nonexistent-dir/params.safetensors";
  HostTensor a = makeTensor("a", {1}, 0.0f);
  std::string message = errorOf(writeSafetensors(path, {&a}));
  EXPECT_NE(message.find("cannot write"), std::string::npos);
}

constexpr const char *kManifest = R"({
  "format": "hrmc-artifact", "version": 1, "model": "m", "library": "model.so",
  "batch": 2, "seq_len": 4,
  "params": [{"name": "embed", "dtype": "F32", "shape": [16, 8],
              "init": {"kind": "trunc_normal", "std": 0.5}}],
  "entries": [{"name": "logits", "symbol": "hrm_entry_logits",
               "inputs": [{"name": "input0", "dtype": "I32", "shape": [2, 4]}],
               "outputs": [{"name": "output0", "dtype": "F32", "shape": [2, 4, 16]}]}]
})";

TEST(Manifest, Parses) {
  auto m = Manifest::parse(kManifest, "test");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  EXPECT_EQ(m->model, "m");
  EXPECT_EQ(m->batch, 2);
  EXPECT_EQ(m->seqLen, 4);
  ASSERT_NE(m->findParam("embed"), nullptr);
  EXPECT_EQ(m->findParam("embed")->init.kind, "trunc_normal");
  EXPECT_DOUBLE_EQ(m->findParam("embed")->init.std, 0.5);
  const EntrySpec *e = m->findEntry("logits");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->symbol, "hrm_entry_logits");
  EXPECT_EQ(e->outputs[0].shape, (std::vector<int64_t>{2, 4, 16}));
  EXPECT_EQ(e->inputs[0].dtype, DType::I32);
  EXPECT_FALSE(e->inputs[0].host);
  EXPECT_EQ(m->findEntry("train"), nullptr);
}

TEST(Manifest, HostInputs) {
  std::string text = kManifest;
  std::string input = R"("name": "input0", "dtype": "I32", "shape": [2, 4])";
  text.replace(text.find(input), input.size(), input + R"(, "host": true)");
  auto m = Manifest::parse(text, "test");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  EXPECT_TRUE(m->findEntry("logits")->inputs[0].host);
  std::string bad = kManifest;
  bad.replace(bad.find(input), input.size(), input + R"(, "host": 1)");
  auto b = Manifest::parse(bad, "art/manifest.json");
  ASSERT_FALSE(static_cast<bool>(b));
  EXPECT_NE(errorOf(b.takeError()).find("'host' must be true or false"),
            std::string::npos);
}

TEST(Manifest, FrozenParams) {
  auto plain = Manifest::parse(kManifest, "test");
  ASSERT_TRUE(static_cast<bool>(plain)) << errorOf(plain.takeError());
  EXPECT_FALSE(plain->findParam("embed")->frozen);
  ASSERT_EQ(plain->trainableParams().size(), 1u);

  std::string text = kManifest;
  std::string param = R"("name": "embed", "dtype": "F32", "shape": [16, 8],)";
  std::string init = R"("init": {"kind": "trunc_normal", "std": 0.5}})";
  std::string both = param + "\n              " + init;
  ASSERT_NE(text.find(both), std::string::npos);
  text.replace(text.find(both), both.size(), both + R"(,
             {"name": "slow.init", "dtype": "F32", "shape": [8],
              "init": {"kind": "trunc_normal", "std": 1.0}, "frozen": true})");
  auto m = Manifest::parse(text, "test");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  EXPECT_TRUE(m->findParam("slow.init")->frozen);
  std::vector<const ParamSpec *> trainable = m->trainableParams();
  ASSERT_EQ(trainable.size(), 1u);
  EXPECT_EQ(trainable[0]->tensor.name, "embed");

  std::string bad = text;
  bad.replace(bad.find(R"("frozen": true)"), 14, R"("frozen": "yes")");
  auto b = Manifest::parse(bad, "art/manifest.json");
  ASSERT_FALSE(static_cast<bool>(b));
  EXPECT_NE(errorOf(b.takeError())
                .find("params: slow.init: 'frozen' must be true or false"),
            std::string::npos);
}

TEST(Manifest, NoiseDrawInput) {
  auto plain = Manifest::parse(kManifest, "test");
  ASSERT_TRUE(static_cast<bool>(plain)) << errorOf(plain.takeError());
  EXPECT_EQ(plain->findEntry("logits")->noiseDrawInput(), std::nullopt);
  EXPECT_EQ(plain->findEntry("logits")->numDataInputs(), 1u);

  std::string input = R"("name": "input0", "dtype": "I32", "shape": [2, 4]})";
  auto withDraw = [&](llvm::StringRef draw) {
    std::string text = kManifest;
    text.replace(text.find(input), input.size(), input + ", " + draw.str());
    return Manifest::parse(text, "test");
  };
  auto m = withDraw(
      R"({"name": "noise_draw", "dtype": "I32", "shape": [], "host": true})");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  EXPECT_EQ(m->findEntry("logits")->noiseDrawInput(), 1u);
  EXPECT_EQ(m->findEntry("logits")->numDataInputs(), 1u);
  // Only an I32 scalar of that name is one.
  auto vector =
      withDraw(R"({"name": "noise_draw", "dtype": "I32", "shape": [2]})");
  ASSERT_TRUE(static_cast<bool>(vector)) << errorOf(vector.takeError());
  EXPECT_EQ(vector->findEntry("logits")->noiseDrawInput(), std::nullopt);
}

/// kManifest with a control input `name` after the logits entry's tokens,
/// carrying `fields` under its own name.
llvm::Expected<Manifest> withControl(llvm::StringRef name,
                                     llvm::StringRef fields) {
  std::string input = R"("name": "input0", "dtype": "I32", "shape": [2, 4]})";
  std::string text = kManifest;
  text.replace(text.find(input), input.size(),
               input + R"(, {"name": ")" + name.str() +
                   R"(", "dtype": "I32", "shape": [], "host": true, ")" +
                   name.str() + R"(": )" + fields.str() + "}");
  return Manifest::parse(text, "test");
}

TEST(Manifest, TripCountInput) {
  auto withTrip = [](llvm::StringRef trip) {
    return withControl("trip_count", trip);
  };
  auto m = withTrip(R"({"default": 8, "distribution": "lognormal_poisson", )"
                    R"("mean": 8.0, "sigma": 0.5, "min": 1, "max": 16})");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  const EntrySpec *logits = m->findEntry("logits");
  EXPECT_EQ(logits->tripCountInput(), 1u);
  EXPECT_EQ(logits->numDataInputs(), 1u);
  ASSERT_TRUE(logits->tripCount.has_value());
  EXPECT_EQ(logits->tripCount->defaultCount, 8);
  EXPECT_EQ(logits->tripCount->kind, TripCountSpec::Kind::LogNormalPoisson);
  EXPECT_EQ(logits->tripCount->max, 16);

  for (auto [bad, what] :
       {std::pair{R"({"default": 8, "distribution": "zipf", "min": 1, )"
                  R"("max": 4})",
                  "unknown distribution 'zipf'"},
        std::pair{R"({"default": 8, "distribution": "uniform", "min": 5, )"
                  R"("max": 4})",
                  "needs 1 <= min <= max"},
        std::pair{R"({"default": 8, "distribution": "lognormal_poisson", )"
                  R"("min": 1, "max": 4})",
                  "needs a positive mean and sigma"},
        std::pair{R"({"distribution": "uniform", "min": 1, "max": 4})",
                  "needs distribution, default, min and max"}}) {
    auto e = withTrip(bad);
    ASSERT_FALSE(static_cast<bool>(e)) << bad;
    std::string message = errorOf(e.takeError());
    EXPECT_NE(message.find(what), std::string::npos) << message;
    EXPECT_NE(message.find("logits.trip_count"), std::string::npos) << message;
  }
}

/// Huginn's distribution with the rate averaging `mean`, sigma 0.5.
TripCountSpec logNormalPoisson(double mean, int32_t min, int32_t max) {
  TripCountSpec spec;
  spec.kind = TripCountSpec::Kind::LogNormalPoisson;
  spec.mean = mean;
  spec.sigma = 0.5;
  spec.min = min;
  spec.max = max;
  return spec;
}

/// Counts of steps 1..n sampled with `seed`, each checked against the
/// spec's clamp.
std::vector<int32_t> samples(const TripCountSpec &spec, uint64_t seed,
                             int64_t n) {
  std::vector<int32_t> out;
  for (int64_t step = 1; step <= n; ++step) {
    int32_t r = spec.sample(seed, step);
    EXPECT_GE(r, spec.min);
    EXPECT_LE(r, spec.max);
    out.push_back(r);
  }
  return out;
}

TEST(GradWindow, WarmsUpAsHRMText) {
  // HRM-Text: bp_min + int(min(1, step / (total * ratio)) * (max - min)).
  GradWindowSpec spec;
  spec.min = 2;
  spec.max = 5;
  spec.warmupFraction = 0.2;
  std::vector<int32_t> got;
  for (int64_t done = 0; done < 12; ++done)
    got.push_back(spec.at(done, 50)); // warms up over 10 steps
  EXPECT_EQ(got, (std::vector<int32_t>{2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5}));
  EXPECT_EQ(spec.at(49, 50), 5);
}

TEST(Manifest, GradWindowInput) {
  auto withWindow = [](llvm::StringRef window) {
    return withControl("grad_window", window);
  };
  auto m = withWindow(
      R"({"default": 5, "min": 2, "max": 5, "warmup_fraction": 0.2})");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  const EntrySpec *logits = m->findEntry("logits");
  EXPECT_EQ(logits->gradWindowInput(), 1u);
  EXPECT_EQ(logits->numDataInputs(), 1u);
  ASSERT_TRUE(logits->gradWindow.has_value());
  EXPECT_EQ(logits->gradWindow->defaultWindow, 5);
  EXPECT_EQ(logits->gradWindow->min, 2);
  for (llvm::StringRef bad :
       {R"({"default": 5, "min": 2, "max": 5})",
        R"({"default": 6, "min": 2, "max": 5, "warmup_fraction": 0.2})",
        R"({"default": 5, "min": 0, "max": 5, "warmup_fraction": 0.2})",
        R"({"default": 5, "min": 2, "max": 5, "warmup_fraction": 0})"}) {
    auto e = withWindow(bad);
    ASSERT_FALSE(static_cast<bool>(e)) << bad.str();
    EXPECT_NE(errorOf(e.takeError()).find("grad_window"), std::string::npos);
  }
}

TEST(TripCount, SamplesDependOnlyOnSeedAndStep) {
  TripCountSpec spec = logNormalPoisson(8.0, 1, 64);
  EXPECT_EQ(spec.sample(3, 17), spec.sample(3, 17));
  int differ = 0;
  for (int64_t step = 1; step <= 50; ++step)
    differ += spec.sample(3, step) != spec.sample(4, step);
  EXPECT_GT(differ, 25);
}

TEST(TripCount, LogNormalPoissonMoments) {
  // 1 + Poisson(lambda), E[lambda] = mean: E[r] = 1 + mean; the log-normal
  // rate spreads the counts wider than a Poisson of that mean.
  std::vector<int32_t> r = samples(logNormalPoisson(8.0, 1, 1000), 0, 20000);
  double sum = 0, sumSq = 0;
  for (int32_t v : r) {
    sum += v;
    sumSq += double(v) * v;
  }
  double mean = sum / r.size(), var = sumSq / r.size() - mean * mean;
  EXPECT_NEAR(mean, 9.0, 0.15);
  // Var = E[lambda] + Var[lambda] = 8 + 64 (e^0.25 - 1) = 26.2.
  EXPECT_NEAR(var, 26.2, 1.5);
  EXPECT_EQ(*std::min_element(r.begin(), r.end()), 1);
  EXPECT_GT(*std::max_element(r.begin(), r.end()), 25);
  // The clamp bounds the tail (samples() checks every count).
  samples(logNormalPoisson(8.0, 4, 12), 0, 2000);
}

TEST(TripCount, UniformCoversItsRange) {
  TripCountSpec spec;
  spec.kind = TripCountSpec::Kind::Uniform;
  spec.min = 3;
  spec.max = 7;
  std::vector<int> seen(8, 0);
  for (int32_t r : samples(spec, 1, 5000))
    ++seen[r];
  for (int r = 3; r <= 7; ++r)
    EXPECT_NEAR(seen[r], 1000, 150) << r;
}

TEST(Manifest, InPlaceUpdates) {
  std::string text = kManifest;
  std::string input = R"("name": "input0", "dtype": "I32", "shape": [2, 4])";
  text.replace(text.find(input), input.size(), input + R"(, "inout": true)");
  std::string symbol = R"("symbol": "hrm_entry_logits",)";
  text.replace(text.find(symbol), symbol.size(),
               symbol + R"( "updates_params": true,)");
  auto m = Manifest::parse(text, "test");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  EXPECT_TRUE(m->findEntry("logits")->inputs[0].inout);
  EXPECT_TRUE(m->findEntry("logits")->updatesParams);
  auto plain = Manifest::parse(kManifest, "test");
  ASSERT_TRUE(static_cast<bool>(plain)) << errorOf(plain.takeError());
  EXPECT_FALSE(plain->findEntry("logits")->inputs[0].inout);
  EXPECT_FALSE(plain->findEntry("logits")->updatesParams);

  auto expectError = [](const std::string &text, llvm::StringRef what) {
    auto b = Manifest::parse(text, "art/manifest.json");
    ASSERT_FALSE(static_cast<bool>(b)) << what.str();
    std::string message = errorOf(b.takeError());
    EXPECT_NE(message.find(what.str()), std::string::npos) << message;
  };
  std::string both = kManifest;
  both.replace(both.find(input), input.size(),
               input + R"(, "host": true, "inout": true)");
  expectError(both, "cannot be both 'host' and 'inout'");
  std::string badFlag = kManifest;
  badFlag.replace(badFlag.find(input), input.size(), input + R"(, "inout": "yes")");
  expectError(badFlag, "'inout' must be true or false");
  std::string badEntry = kManifest;
  badEntry.replace(badEntry.find(symbol), symbol.size(),
                   symbol + R"( "updates_params": 1,)");
  expectError(badEntry, "logits: 'updates_params' must be true or false");
}

/// kManifest's logits entry as one segment of a deep-supervision model:
/// a reset mask (with `reset`'s fields) and a carried state in and out.
std::string segmentsText(llvm::StringRef reset, llvm::StringRef carriedOut) {
  std::string input = R"("name": "input0", "dtype": "I32", "shape": [2, 4]})";
  std::string output =
      R"("name": "output0", "dtype": "F32", "shape": [2, 4, 16]})";
  std::string text = kManifest;
  text.replace(
      text.find(input), input.size(),
      input + R"(, {"name": "reset", "dtype": "I32", "shape": [2], )" +
          R"("reset": )" + reset.str() +
          R"(}, {"name": "carry.z", "dtype": "F32", "shape": [2, 4, 8]})");
  text.replace(text.find(output), output.size(),
               output + R"(, {"name": "carry.z", "dtype": "F32", "shape": )" +
                   carriedOut.str() + "}");
  return text;
}

llvm::Expected<Manifest> withSegments(llvm::StringRef reset,
                                      llvm::StringRef carriedOut) {
  return Manifest::parse(segmentsText(reset, carriedOut), "art/manifest.json");
}

/// withSegments(4 segments) under halting: a `halt.last` mask (with
/// `halt`'s fields) in, the head's Q values (`qShape`) and the
/// cross-entropy out.
llvm::Expected<Manifest> withHalting(llvm::StringRef halt,
                                     llvm::StringRef qShape) {
  std::string text = segmentsText(R"({"segments": 4})", "[2, 4, 8]");
  std::string carryIn =
      R"({"name": "carry.z", "dtype": "F32", "shape": [2, 4, 8]})";
  text.replace(text.find(carryIn), carryIn.size(),
               carryIn + R"(, {"name": "halt.last", "dtype": "I32", )" +
                   R"("shape": [2], "halt": )" + halt.str() + "}");
  std::string carryOut = carryIn;
  size_t out = text.rfind(carryOut);
  text.replace(out, carryOut.size(),
               carryOut + R"(, {"name": "halt.q", "dtype": "F32", "shape": )" +
                   qShape.str() +
                   R"(}, {"name": "lm_loss", "dtype": "F32", "shape": []})");
  return Manifest::parse(text, "art/manifest.json");
}

TEST(Manifest, Segments) {
  auto m = withSegments(R"({"segments": 4})", "[2, 4, 8]");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  const EntrySpec *e = m->findEntry("logits");
  EXPECT_EQ(e->segments, 4);
  EXPECT_EQ(e->resetInput(), 1u);
  ASSERT_EQ(e->carriedStates().size(), 1u);
  EXPECT_EQ(e->carriedStates()[0], (std::pair<size_t, size_t>{2, 1}));
  EXPECT_EQ(e->numDataInputs(), 1u);
  auto plain = Manifest::parse(kManifest, "test");
  ASSERT_TRUE(static_cast<bool>(plain)) << errorOf(plain.takeError());
  EXPECT_EQ(plain->findEntry("logits")->segments, std::nullopt);

  auto expectError = [](llvm::Expected<Manifest> b, llvm::StringRef what) {
    ASSERT_FALSE(static_cast<bool>(b)) << what.str();
    std::string message = errorOf(b.takeError());
    EXPECT_NE(message.find(what.str()), std::string::npos) << message;
    EXPECT_NE(message.find("art/manifest.json"), std::string::npos) << message;
  };
  expectError(withSegments("{}", "[2, 4, 8]"),
              "input 'reset' needs \"reset\": {\"segments\": S} with S >= 2");
  expectError(withSegments(R"({"segments": 1})", "[2, 4, 8]"), "S >= 2");
  expectError(withSegments(R"({"segments": 2})", "[2, 4, 9]"),
              "carried state 'carry.z' comes back with another type");
}

TEST(Manifest, Halting) {
  auto m = withHalting(R"({"exploration": 0.25, "max_segments": 4})", "[2, 2]");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  const EntrySpec *e = m->findEntry("logits");
  ASSERT_TRUE(e->halt.has_value());
  EXPECT_EQ(e->halt->exploration, 0.25);
  EXPECT_EQ(e->halt->maxSegments, 4);
  EXPECT_EQ(e->haltLastInput(), 3u);
  EXPECT_EQ(e->haltQOutput(), 2u);
  EXPECT_EQ(e->lmLossOutput(), 3u);
  // The mask is not data: tokens remain the only data input.
  EXPECT_EQ(e->numDataInputs(), 1u);
  auto plain = withSegments(R"({"segments": 4})", "[2, 4, 8]");
  ASSERT_TRUE(static_cast<bool>(plain)) << errorOf(plain.takeError());
  EXPECT_FALSE(plain->findEntry("logits")->halt.has_value());
  EXPECT_EQ(plain->findEntry("logits")->lmLossOutput(), std::nullopt);

  auto expectError = [](llvm::Expected<Manifest> b, llvm::StringRef what) {
    ASSERT_FALSE(static_cast<bool>(b)) << what.str();
    std::string message = errorOf(b.takeError());
    EXPECT_NE(message.find(what.str()), std::string::npos) << message;
    EXPECT_NE(message.find("art/manifest.json"), std::string::npos) << message;
  };
  std::string needs = "input 'halt.last' needs \"halt\"";
  expectError(withHalting("{}", "[2, 2]"), needs);
  expectError(
      withHalting(R"({"exploration": 1.5, "max_segments": 4})", "[2, 2]"),
      needs);
  // Its most segments are the entry's.
  expectError(
      withHalting(R"({"exploration": 0.1, "max_segments": 3})", "[2, 2]"),
      needs);
  expectError(
      withHalting(R"({"exploration": 0.1, "max_segments": 4})", "[2, 3]"),
      "a 'halt.last' input but no [batch, 2] 'halt.q' output");
  expectError(
      withHalting(R"({"exploration": 0.1, "max_segments": 4})", "[3, 2]"),
      "a 'halt.last' input but no [batch, 2] 'halt.q' output");
}

TEST(Manifest, ActOutputs) {
  // ACT's loss entry: the loss, the cross-entropy alone and the mean
  // ponder time, each a scalar F32 found by name.
  std::string text = kManifest;
  std::string output =
      R"({"name": "output0", "dtype": "F32", "shape": [2, 4, 16]})";
  text.replace(text.find(output), output.size(),
               output +
                   R"(, {"name": "lm_loss", "dtype": "F32", "shape": []},)" +
                   R"( {"name": "act.ponder", "dtype": "F32", "shape": []})");
  auto m = Manifest::parse(text, "test");
  ASSERT_TRUE(static_cast<bool>(m)) << errorOf(m.takeError());
  const EntrySpec *e = m->findEntry("logits");
  EXPECT_EQ(e->lmLossOutput(), 1u);
  EXPECT_EQ(e->actPonderOutput(), 2u);
  // Not a scalar: not the ponder time.
  std::string shaped = text, scalar = R"("shape": [])";
  shaped.replace(shaped.rfind(scalar), scalar.size(), R"("shape": [2])");
  auto bad = Manifest::parse(shaped, "test");
  ASSERT_TRUE(static_cast<bool>(bad)) << errorOf(bad.takeError());
  EXPECT_EQ(bad->findEntry("logits")->actPonderOutput(), std::nullopt);
  auto plain = Manifest::parse(kManifest, "test");
  ASSERT_TRUE(static_cast<bool>(plain)) << errorOf(plain.takeError());
  EXPECT_EQ(plain->findEntry("logits")->actPonderOutput(), std::nullopt);
}

TEST(Manifest, Errors) {
  auto expectError = [](llvm::StringRef text, llvm::StringRef what) {
    auto m = Manifest::parse(text, "art/manifest.json");
    ASSERT_FALSE(static_cast<bool>(m)) << what.str();
    std::string message = errorOf(m.takeError());
    EXPECT_NE(message.find("art/manifest.json: bad manifest"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(what.str()), std::string::npos) << message;
  };
  expectError("{", "");
  expectError(R"({"format": "other"})", "not an hrmc artifact manifest");
  expectError(R"({"format": "hrmc-artifact", "version": 2})",
              "unsupported version");
  expectError(R"({"format": "hrmc-artifact", "version": 1})",
              "needs model, library, batch and seq_len");
  std::string noShape = kManifest;
  noShape.replace(noShape.find(R"("shape": [16, 8])"), 16, R"("shap": [1])");
  expectError(noShape, "params needs name, dtype and shape");
  auto missing = Manifest::load("/nonexistent/manifest.json");
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(errorOf(missing.takeError()).find("cannot open"),
            std::string::npos);
}

TEST(Arena, AlignsAndRunsOut) {
  Arena arena(3 * Arena::kAlignment);
  void *a = arena.allocate(1);
  void *b = arena.allocate(Arena::kAlignment + 1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % Arena::kAlignment, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % Arena::kAlignment, 0u);
  EXPECT_EQ(arena.used(), 3 * Arena::kAlignment);
  EXPECT_EQ(arena.allocate(1), nullptr);
  arena.reset();
  EXPECT_EQ(arena.allocate(1), a);
}

// A block the size of a large temporary comes from the heap, not a mapping
// of its own, and freeing it leaves the heap as large: the next call of
// the compiled code reuses the pages. 24 MiB: more than any block freed
// earlier in this process, so glibc's own adaptive threshold (which rises
// to the largest mapped block freed) cannot pass this test instead.
TEST(Heap, KeepsFreedMemory) {
#if defined(__GLIBC__)
  ASSERT_TRUE(hrmrt::keepFreedHeapMemory());
  ASSERT_TRUE(hrmrt::keepFreedHeapMemory()); // idempotent
  struct mallinfo2 before = mallinfo2();
  size_t bytes = size_t(24) << 20;
  void *block = std::malloc(bytes);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, bytes);
  struct mallinfo2 during = mallinfo2();
  EXPECT_EQ(during.hblks, before.hblks);
  EXPECT_GE(during.arena, before.arena + bytes);
  std::free(block);
  struct mallinfo2 after = mallinfo2();
  EXPECT_EQ(after.arena, during.arena);
#else
  GTEST_SKIP() << "the heap policy is glibc's";
#endif
}

TEST(Npy, Header) {
  std::string path = tempPath("x.npy");
  float data[6] = {1, 2, 3, 4, 5, 6};
  ASSERT_FALSE(errorOf(writeNpy(path, DType::F32, {2, 3}, data)).size());
  auto file = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(static_cast<bool>(file));
  llvm::StringRef bytes = (*file)->getBuffer();
  EXPECT_TRUE(bytes.starts_with("\x93NUMPY"));
  uint16_t len = static_cast<uint8_t>(bytes[8]) |
                 (static_cast<uint8_t>(bytes[9]) << 8);
  EXPECT_EQ((10 + len) % 64, 0);
  EXPECT_NE(bytes.find("'shape': (2, 3)"), llvm::StringRef::npos);
  EXPECT_EQ(bytes.size(), 10u + len + sizeof(data));
  llvm::sys::fs::remove(path);
}

} // namespace
