//===- DeviceTest.cpp - device selection and the CUDA backend's loading ---===//
#include "hrmrt/Arena.h"
#include "hrmrt/Model.h"

#include "gtest/gtest.h"

#include <cstdlib>

using namespace hrmrt;

TEST(Device, Parse) {
  ASSERT_TRUE(static_cast<bool>(parseDevice("auto")));
  EXPECT_EQ(*parseDevice("cpu"), Device::cpu);
  EXPECT_EQ(*parseDevice("cuda"), Device::cuda);
  llvm::Expected<Device> bad = parseDevice("gpu");
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "unknown device 'gpu' (auto, cpu or cuda)");
}

namespace {
int released = 0;
void release(void *p) {
  ++released;
  std::free(p);
}
} // namespace

// The CUDA backend's arena: a block from another allocator, given back to it.
TEST(Device, ArenaOverForeignBlock) {
  released = 0;
  {
    Arena arena(std::aligned_alloc(Arena::kAlignment, 256), 256, release);
    EXPECT_EQ(arena.capacity(), 256u);
    void *a = arena.allocate(100);
    void *b = arena.allocate(100);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(static_cast<char *>(b) - static_cast<char *>(a), 128);
    EXPECT_EQ(arena.allocate(100), nullptr); // full
  }
  EXPECT_EQ(released, 1);
  // A failed device allocation gives an empty arena, not a crash.
  Arena empty(nullptr, 256, release);
  EXPECT_EQ(empty.capacity(), 0u);
  EXPECT_EQ(empty.allocate(1), nullptr);
}

// With a GPU the backend names it; without one it says why (never crashes).
TEST(Device, CudaBackendNamesTheDeviceOrWhyNot) {
  llvm::Expected<std::string> name = cudaDeviceName();
  if (!name) {
    std::string why = llvm::toString(name.takeError());
    EXPECT_FALSE(why.empty());
    GTEST_SKIP() << "no usable GPU: " << why;
  }
  EXPECT_FALSE(name->empty());
}

// PTX runs on its own compute capability and later ones; sm_90a PTX (wgmma)
// only on 9.0.
TEST(Device, ChipRunsOn) {
  EXPECT_FALSE(static_cast<bool>(checkChipRunsOn("sm_80", 80)));
  EXPECT_FALSE(static_cast<bool>(checkChipRunsOn("sm_80", 90)));
  EXPECT_FALSE(static_cast<bool>(checkChipRunsOn("sm_90", 100)));
  EXPECT_FALSE(static_cast<bool>(checkChipRunsOn("sm_90a", 90)));
  EXPECT_EQ(llvm::toString(checkChipRunsOn("sm_90", 86)),
            "the artifact's kernels are PTX for sm_90, which runs only on "
            "compute capability 9.0 or later; this GPU is 8.6 (recompile "
            "with `hrmc compile --target cuda --chips` naming it)");
  EXPECT_EQ(llvm::toString(checkChipRunsOn("sm_90a", 100)),
            "the artifact's kernels are PTX for sm_90a, which runs only on "
            "compute capability 9.0; this GPU is 10.0 (recompile with "
            "`hrmc compile --target cuda --chips` naming it)");
  EXPECT_EQ(llvm::toString(checkChipRunsOn("gfx90a", 90)),
            "the manifest's CUDA chip 'gfx90a' is not an architecture like "
            "sm_80");
}

// A library compiled for vector extensions this CPU lacks is refused before
// it is loaded (it would die of SIGILL); a name the runtime cannot check
// counts as missing.
TEST(Device, CPUFeaturesAreCheckedBeforeLoading) {
  Manifest m;
  m.cpu = "future-cpu";
  EXPECT_FALSE(static_cast<bool>(checkCPUFeatures(m)));
  m.cpuFeatures = {"made-up-extension", "avx", "another-one"};
  std::string error = llvm::toString(checkCPUFeatures(m));
  EXPECT_NE(error.find("compiled for CPU 'future-cpu'"), std::string::npos)
      << error;
  EXPECT_NE(error.find("uses made-up-extension, another-one, which this CPU "
                       "lacks"),
            std::string::npos)
      << error;
  EXPECT_FALSE(cpuHasFeature("made-up-extension"));
#if defined(__x86_64__)
  // Every x86-64 CPU this project builds on has AVX (the tiles' default).
  EXPECT_TRUE(cpuHasFeature("avx"));
#endif
}
