//===- Passes.td - hrm conversion passes -------------------*- tablegen -*-===//
#ifndef HRMC_CONVERSION_PASSES_TD
#define HRMC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def HrmSpecializeShapes : Pass<"hrm-specialize-shapes", "::mlir::ModuleOp"> {
  let summary = "Fixes the batch and sequence dimensions of every tensor";
  let description = [{
    Activations and tokens carry a dynamic batch (dimension 0) and sequence
    (dimension 1). The CPU and GPU backends compile for one shape: this pass
    rewrites every tensor type inside each `hrm.model` (values, block
    arguments, function and module signatures) with `batch` and `seq-len`.
    A dynamic dimension elsewhere, or a `seq-len` above the model's
    `max_seq_len`, is an error.
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"1", "Batch size">,
    Option<"seqLen", "seq-len", "int64_t", /*default=*/"0",
           "Sequence length (default: the model's max_seq_len)">
  ];
}

def ConvertHrmLoopsToSCF : Pass<"convert-hrm-loops-to-scf"> {
  let summary = "Lowers rolled hrm.hier_loop and hrm.loop to scf.for";
  let description = [{
    `hrm.hier_loop N T` becomes an `scf.for` over the N cycles holding an
    `scf.for` over the T fast steps followed by the slow step; `hrm.loop`
    becomes one `scf.for`, bounded by its `count` operand when it has one
    (the nominal `steps` then stays on the `scf.for` as `hrm.steps`, which
    `hrm-decode-entry` runs). The carried states are the `iter_args`; the
    step index passed to a fast region is `i*T + j`. The loop body is emitted
    once, whatever N and T: code size does not grow with the trip count.
    Loops still marked `factor(k)` or `full` should be unrolled first
    (`hrm-unroll`); this pass lowers whatever loops remain as they are.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def ConvertHrmToFunc : Pass<"convert-hrm-to-func", "::mlir::ModuleOp"> {
  let summary = "Turns an hrm.model into functions that take the parameters as arguments";
  let description = [{
    Every function of the model (its `func.func` entry points and its
    `hrm.module`s) becomes a `func.func` in the enclosing module whose
    leading arguments are all the model's parameters, in declaration order,
    each tagged with `hrm.param = "<name>"` (and `hrm.frozen` when the
    parameter is frozen). `hrm.weight` becomes a use of
    that argument, `hrm.apply` a `func.call` of `hrm_module_<name>`. Entry
    points keep their names and get `hrm.entry` and `llvm.emit_c_interface`;
    module functions are private. The module gets `hrm.model = "<name>"`
    and, when the model has one, `hrm.max_seq_len`.
    One model per module.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def HrmDecodeEntry : Pass<"hrm-decode-entry", "::mlir::ModuleOp"> {
  let summary = "Builds a KV-cached `decode` entry point from `logits`";
  let description = [{
    Runs after `convert-hrm-to-func`, on a model specialized to the new
    positions of one decoding step (usually `seq-len=1`). Clones `@logits`
    into `@decode(tokens, k_cache, v_cache, position)` returning
    `(logits, k_cache, v_cache)`, and replaces the other entry points.
    The returned caches are marked `hrm.updates` of the argument caches:
    `hrm-drop-updated-results` makes the compiled entry write the caller's
    caches in place. Every attention becomes `hrm.cached_attention`, and every module
    application owns its own cache slots: a call inside rolled loops with
    trip counts `n1, n2, ...` gets `n1 * n2 * ...` slot groups, indexed by
    the linearized iteration, so the loop stays rolled. A loop whose count
    is set at run time (`hrm.steps` on the `scf.for`) runs its nominal
    count here, which sizes its slots. The caches are
    `[slots, batch, heads, max-len, head_dim]`; `position` (a 0-d i32
    tensor) is the position of the first new token. It is marked
    `hrm.host`: the host code reads it, so the CUDA runtime passes it in
    host memory. Only causal attention can be cached: other masks are an
    error.
  }];
  let options = [
    Option<"maxLen", "max-len", "int64_t", /*default=*/"0",
           "Cache length (default: the module's hrm.max_seq_len)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def HrmAdamWEntry : Pass<"hrm-adamw-entry", "::mlir::ModuleOp"> {
  let summary = "Builds a `train_step` entry point: `loss_grad` then AdamW";
  let description = [{
    Runs on linalg on tensors, after `convert-hrm-to-linalg` of a module
    with the training entry `loss_grad`. Adds
    `@train_step(params, loss_grad's inputs, m_0, v_0, m_1, v_1, ...,
    adamw)` returning `(loss, grad_norm, params', m', v')`: it calls
    `loss_grad`, sums the gradients' squares in float64 (a partial sum per
    row, then one sum over the rows), clips them to the global norm bound
    and applies the AdamW update of `hrmrt::AdamW` in float64 to every
    element. `adamw` is a `tensor<8xf64>` of the step's hyperparameters:
    learning rate, beta1, beta2, epsilon, weight decay, clipping bound
    (0: none), and the two bias corrections `1 - beta^t`. Weight decay
    applies to parameters of rank 2 and more.

    Each updated parameter and moment is written into its argument's
    tensor (the update's `outs`), and its result carries `hrm.updates`
    with that argument's number; `hrm-drop-updated-results` removes those
    results after bufferization, so the compiled entry updates the
    runtime's buffers in place and nothing is copied or transferred. The
    moments are named by `hrm.name` ("adam.m.<param>", "adam.v.<param>",
    as in checkpoints). Without `loss_grad` this is an error.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def HrmDropUpdatedResults
    : Pass<"hrm-drop-updated-results", "::mlir::ModuleOp"> {
  let summary = "Removes the results that update an argument in place";
  let description = [{
    Runs after `one-shot-bufferize` and `drop-equivalent-buffer-results`
    (which removes the private functions' results that are their
    arguments), before `buffer-results-to-out-params`. A function result
    marked `hrm.updates = i` must be returned as the buffer of argument `i`
    (the update bufferized in place), directly, through casts or through
    `scf.for` loops that yield their iteration argument unchanged; the
    result is removed, so the caller sees the update in the argument it
    passed. A result that bufferized to any other buffer is an error: the
    caller's buffer would not be updated. Only functions without callers
    are rewritten.
  }];
}

def ConvertHrmToLinalg : Pass<"convert-hrm-to-linalg"> {
  let summary = "Lowers hrm compute ops to linalg, tensor, arith and math";
  let description = [{
    Matrix products become `linalg.matmul` / `linalg.batch_matmul` (over the
    flattened batch and sequence), reductions and elementwise work
    (RMSNorm, softmax, RoPE, SwiGLU, GELU, cross-entropy) `linalg.generic`.
    Attention is computed as `QK^T`, a masked, scaled softmax, and `PV` per
    head. `hrm.detach` is the identity in the forward graph. Shapes must be
    static (run `hrm-specialize-shapes` first).

    `hrm.random_normal_like` draws a Box-Muller normal from a 32-bit integer
    hash of `seed` and the element's flat index, so the same seed gives the
    same sample on every call and on every backend (the oracle re-implements
    the hash; see docs/lowering.md).

    The gradient ops of `hrm-autodiff` lower here too: each recomputes the
    part of its forward op it needs (attention its probabilities, the MLP
    its hidden activation) from the op's inputs. `hrm.embed_grad` is an
    `scf.for` nest adding one table row per token (batch * seq * d work,
    one token after another); with `parallel-embed-grad` (the GPU
    pipeline) it is one `linalg.generic` over the table, each element
    summing the tokens that select its row (batch * seq * vocab * d work,
    vocab * d of it in parallel).

    With `fused-attention` (the GPU pipeline, `hrmc compile
    --fused-attention` for the CPU) the core of `hrm.attention`,
    softmax(QK^T / sqrt(hd), masked) V, is one `scf.parallel` over (head,
    query) on buffers: a loop over the keys the mask shows that query,
    carrying the online softmax's running max and sum and the hd output
    accumulators as scalars, and one store per output element
    (flash-attention's forward, one query row per thread, no scores
    tensor). The projections around it stay linalg.
  }];
  let options = [
    Option<"parallelEmbedGrad", "parallel-embed-grad", "bool",
           /*default=*/"false",
           "Lower hrm.embed_grad as a reduction over the tokens per table "
           "element">,
    Option<"fusedAttention", "fused-attention", "bool", /*default=*/"false",
           "Lower hrm.attention's softmax(QK^T)V as one loop nest with an "
           "online softmax (head size up to 128)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def HrmFoldAddIntoContraction : Pass<"hrm-fold-add-into-contraction"> {
  let summary = "Folds the addition of a contraction's result into its init (residual epilogue)";
  let description = [{
    A residual connection `r = x + matmul(a, b)`, where the matmul starts
    from a zero fill, becomes one contraction that starts from `x`:
    `matmul(a, b)` with init `x`. The sum is then formed where the
    contraction accumulates (in a register on the GPU, in the output row on
    the CPU) instead of in a separate elementwise kernel that reads both
    tensors again. The addition must be a `linalg.generic` on tensors whose
    body is one `arith.addf` of its two inputs, with identity maps and
    parallel loops; the contraction (named or generic) may reach it through
    one `tensor.expand_shape`, whose reassociation then collapses `x`. The
    contraction's result must have no other use. Bufferization writes into
    `x`'s buffer in place when `x` is dead afterwards, else it copies `x`
    first (no worse than the addition's kernel). Additions of broadcast
    operands (a bias) are left alone.

    Remarks (docs/remarks.md): `residual-epilogue`, passed for each addition
    folded, missed with the reason for each addition of a contraction's
    product left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HrmFuseElementwise : Pass<"hrm-fuse-elementwise"> {
  let summary = "Fuses elementwise linalg ops without recomputing them in reductions";
  let description = [{
    Upstream's elementwise fusion also fuses an elementwise producer into a
    consumer with reduction loops, where the producer's body then runs once
    per reduction step: the softmax's `exp` fused into `P V` runs head_dim
    times per score. This pass fuses a producer into a consumer only when
    the consumer has no reduction loop, or when the producer only moves data
    (a transpose or broadcast: its body just yields an input).

    Remarks (docs/remarks.md): `fused`, passed per function with the linalg
    ops fusion removed.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def HrmCPULoopOrder : Pass<"hrm-cpu-loop-order"> {
  let summary = "Orders contraction loops so that the innermost one is contiguous";
  let description = [{
    `convert-linalg-to-loops` nests loops in iterator order, so a matmul
    `(i, j, k)` runs a dot product over `k` innermost, striding through the
    right-hand matrix. This pass rewrites every contraction (named or
    generic) as a `linalg.generic` whose loops are the parallel dimensions,
    then the reductions, then the output's innermost dimension, e.g.
    `(i, k, j)`: the inner loop is then an update of a contiguous output
    row from a contiguous input row, which LLVM vectorizes.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def HrmCPURegisterTile : Pass<"hrm-cpu-register-tile"> {
  let summary = "Keeps a block of a contraction's output in vector registers across its reduction";
  let description = [{
    After bufferization, `convert-linalg-to-loops` would lower a
    contraction in `hrm-cpu-loop-order`'s order `(i, k, j)` to an inner
    loop that loads, updates and stores a row of the output for every `k`:
    one load of the output, one of the right-hand operand and one store
    per vector of multiply-adds, so the loop runs at the pace of memory
    accesses, not arithmetic. This pass rewrites each such
    `linalg.generic` on buffers into `scf.for` loops over tiles of
    `rows` x (`vectors` x `width`) output elements: the tile's
    accumulators are `vector<width x T>` values carried through the
    reduction loops (`rows * vectors` of them), loaded once before and
    stored once after. Each reduction step loads one vector per column
    block of the operands that vary along the output's last axis, one
    scalar (broadcast) per row of the others, and applies the op's body
    to vectors. A `linalg.fill` of the output right before the op (see
    `precedingFill`) becomes the accumulators' initial value and goes.

    Every output element is still summed in the order of the reduction
    loops, with the same operations, so with `contract=false` results are
    bit for bit those of `convert-linalg-to-loops`. The output's rows and columns not covered
    by whole tiles get tiles of one row, then single vectors, then
    scalars.

    When the operands that vary along the output's columns (a matmul's
    right-hand side, K x N) are larger than `cache-bytes`, the whole
    tiles go in column panels: every row tile of one panel of columns,
    whose K x panel slice of those operands fits in `cache-bytes`, then
    the next panel. Otherwise each row tile would stream the whole
    right-hand side through the cache again (a 512 x 2048 f32 weight is
    4 MiB, twice a core's L2 here). Each panel of a matmul's right-hand
    side (the one input that varies along the columns and not the rows,
    one reduction) is first copied into a buffer in which every tile's
    K x (vectors x width) slice is contiguous: read in place, its rows
    are a power of two apart and fall into the same few sets of the L1
    cache. The order of each element's sum does not change.

    With `contract` (the default) the tiles' multiplies and additions
    carry `fastmath<contract>`, so LLVM fuses each pair into one FMA: one
    rounding instead of two, so the results are no longer bit for bit
    those of `convert-linalg-to-loops` (within 1e-5 in
    test/Conversion/cpu-register-tile-run.mlir); `contract=false` keeps
    them so.

    Taken are static generics with one init and at least one reduction,
    projected permutation maps, a body of single-result elementwise ops,
    an output whose last axis is indexed by a parallel loop and is
    contiguous, and inputs that are contiguous along that loop wherever
    they depend on it (a transposed operand is left to
    `convert-linalg-to-loops`), none of them a view of the output.

    Remarks (docs/remarks.md): `register-tile`, passed for each contraction
    tiled (its output and register tile), missed with the reason for each
    other reduction on buffers.
  }];
  let options = [
    Option<"rows", "rows", "unsigned", /*default=*/"4",
           "Output rows per tile">,
    Option<"vectors", "vectors", "unsigned", /*default=*/"2",
           "Vectors per tile row">,
    Option<"width", "width", "unsigned", /*default=*/"8",
           "Elements per vector (8 x f32: one AVX register; hrmc compile "
           "passes 16 for AVX-512 targets)">,
    Option<"cacheBytes", "cache-bytes", "unsigned", /*default=*/"524288",
           "Bytes of the operand that varies along the columns one column "
           "panel may read (0: no panels)">,
    Option<"contract", "contract", "bool", /*default=*/"true",
           "Mark the tiles' arithmetic `contract`, so that LLVM fuses each "
           "multiply and add into one FMA">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def HrmCPUParallel : Pass<"hrm-cpu-parallel"> {
  let summary = "Splits large linalg ops on buffers into chunks of an scf.parallel, for CPU threads";
  let description = [{
    Rewrites each static linalg op on buffers with at least
    `min-iterations` loop iterations into an `scf.parallel` over chunks of
    its parallel loops; each chunk applies the op to `memref.subview`s of
    its operands. `convert-scf-to-openmp` then runs the chunks on OpenMP's
    threads (as many as `OMP_NUM_THREADS` says at run time).

    Split are parallel loops, outermost first, that every output depends
    on, so the chunks write disjoint elements, into at most `chunks`
    chunks in all. Chunks are equal and static, so the op on a chunk is
    still static: `hrm-cpu-register-tile` tiles it as before. A chunk of a
    contraction's output rows is a multiple of 4 rows (whole register
    tiles); a chunk of any op's output columns is a multiple of 16. Each
    output element is computed by the same loops in the same order as
    before, so results are bit for bit unchanged.

    A `linalg.fill` of the op's output right before it (see
    `precedingFill`) moves into the same chunks, where
    `hrm-cpu-register-tile` still folds it. `linalg.index` gets the
    chunk's offset added. Left whole are ops with results, dynamic
    shapes, maps that are not projected permutations, outputs that share
    a buffer, inputs that are views of an output at another map, and ops
    already inside an `scf.parallel` or `scf.forall`.

    Remarks (docs/remarks.md): `split`, passed for each op split (dimensions
    and chunks).
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"65536",
           "Ops with fewer loop iterations stay whole (a fork and join of "
           "the threads costs about as much as this many iterations)">,
    Option<"chunks", "chunks", "int64_t", /*default=*/"16",
           "The most chunks an op is split into">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def HrmCPUPolynomialExp : Pass<"hrm-cpu-polynomial-exp"> {
  let summary = "Rewrites f32 math.exp as a polynomial approximation in plain arithmetic";
  let description = [{
    `convert-math-to-llvm` lowers `math.exp` to `llvm.exp`, which the host
    backend turns into a call of libm's `expf` per element; LLVM's loop
    vectorizer leaves loops with such calls scalar. This pass applies
    upstream's polynomial approximation of `exp` (range reduction to
    `2^k * exp(r)`, a polynomial in `r`, `math.fma`) to every f32
    `math.exp`, scalar or vector, so the softmax and SiLU loops of the
    CPU library vectorize. Other math ops, and `exp` of other types, are
    left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def HrmFillPerUse : Pass<"hrm-fill-per-use"> {
  let summary = "Gives every linalg op that starts from a filled tensor its own fill";
  let description = [{
    CSE merges the identical `linalg.fill`s (zeros) that several matmuls
    and reductions start from, and bufferization then fills one buffer and
    copies it into each op's output; canonicalization also hoists fills
    far from their ops. This pass, on tensors, clones the fill (and the
    `tensor.empty` it fills) right in front of each linalg op that takes it
    as an init, and drops the original when nothing else uses it, so that
    each op's output is filled in place just before the op: a fill, not a
    fill and a copy, and one that `hrm-accumulate-in-registers` folds into
    the op. An `scf.for` that starts an iter_arg from such a fill (the
    backward loop's gradient sums, all from one zero fill) gets a fill per
    iter_arg too, right before the loop: each sum is then filled where it
    lives (after `buffer-results-to-out-params`, the caller's gradient
    buffer) instead of being a copy of one shared zero buffer.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HrmAccumulateInRegisters : Pass<"hrm-accumulate-in-registers"> {
  let summary = "Lowers a fill and the reduction into it to one parallel loop nest accumulating in a register";
  let description = [{
    `convert-linalg-to-parallel-loops` lowers a reduction (a matmul, a row
    sum) to a parallel loop over its output with an inner loop that loads,
    updates and stores the output element at every step, after the
    `linalg.fill` that zeroes the output, its own loop nest. On the GPU
    that is two kernels and a global read-modify-write per step. This pass
    lowers each `linalg.fill ins(%v) outs(%b)` followed by a linalg op on
    buffers whose only init is `%b` and that writes every element of it
    (its output map is exactly its parallel dimensions, static ranges, at
    least one parallel and one reduction dimension) to
    `scf.parallel` over the parallel dimensions around `scf.for` loops over
    the reduction dimensions that carry the accumulator, starting from
    `%v`, and one store. The fill is erased. Nothing between the two may
    touch `%b`. Such an op without a fill before it is lowered the same way,
    the accumulator starting from the output's element (one load per
    element instead of one per step); other ops are left to
    `convert-linalg-to-parallel-loops`.

    Remarks (docs/remarks.md): `register-accumulation`, passed for each
    reduction lowered.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect"];
}

def HrmFuseEpilogues : Pass<"hrm-fuse-epilogues", "::mlir::func::FuncOp"> {
  let summary = "Fuses an elementwise consumer into the parallel loop that computes its operand (activation epilogue)";
  let description = [{
    After `hrm-accumulate-in-registers` a matmul is a parallel loop over
    its output that ends with one store per element. An elementwise
    `linalg.generic` that follows it (an activation, SwiGLU's
    `silu(g) * u`) and reads that output, directly or through a
    `memref.expand_shape`, with identity maps over the same elements, is
    computed in that loop from the stored value: the loop's iteration is
    delinearized into the generic's, its other inputs are loaded there and
    its results stored. One kernel instead of two, and the output is not
    read back. When nothing else reads the output buffer (an inference
    forward), the store and the buffer go too; otherwise (a pre-activation
    kept for the backward) the store stays.

    Only pure ops and allocations may lie between the two (the loop moves
    down to the generic); the generic may not write what the loop reads,
    nor read its output buffer other than element for element. The
    tensor-core kernels of `hrm-matmul-to-mma-sync` are not fused.

    Remarks (docs/remarks.md): `epilogue`, passed for each consumer fused.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def HrmMatmulToMmaSync : Pass<"hrm-matmul-to-mma-sync"> {
  let summary = "Lowers matmuls on buffers to warp-level tensor-core kernels (mma.sync)";
  let description = [{
    Rewrites each `linalg.matmul`, `linalg.batch_matmul` or other f32
    contraction on buffers (a multiply-add body; one M, one N, one K and at
    most one batch dimension; operands read through any permutation) into a
    `gpu.launch` of 128 threads (four warps) per block. Each warp computes
    a 16 x 8 tile of the output with `nvvm.mma.sync`, or up to 32 x 32
    where the shape divides; the warps are arranged 2 x 2 where the warp
    columns pair up, else 4 x 1, so that a block covers up to 64 x 64
    (`blockIdx.x` along N, `blockIdx.y` along M, `blockIdx.z` the batch).

    The block stages each chunk of K (64 bytes: 32 for bf16, 16 for tf32,
    or the largest of 16, 8 and 4 that divides K and holds a K step) of
    its rows of A and its columns of B in two workgroup buffers, in the
    instruction's operand type (bf16 rounded to nearest even, or f32 for
    tf32): K contiguous, or for a B stored [K, N] in that type (identity
    layout) k-major, N contiguous. Neighbouring threads copy neighbouring
    elements of the operand as it is laid out: 16 bytes per load where it
    is stored in that type with K, or B's N, as its last dimension, else an
    element at a time, along K or along its rows, whichever is contiguous.
    Each row is padded so that a warp's fragment loads hit 32 banks (an
    odd number of 16-byte units; a k-major tf32 row to 8 words mod 16).
    After a barrier each lane loads its fragment registers from the tiles
    (bf16: one `nvvm.ldmatrix` x4 per 16 x 16 tile of A and per pair of
    8-column tiles of B, transposed for a k-major B; tf32: a 32-bit load
    per register at PTX's coordinates), issues the chunk's `mma.sync`s,
    and a second barrier guards the tiles. Where both operands are copied
    16 bytes at a time, the tiles have two stages and the copies are
    `nvvm.cp.async.shared.global` (`.cg`): chunk 0 is requested before the
    K loop; iteration c waits for the thread's copies, meets the block at
    one barrier, requests chunk c + 1 into the other stage (a source size
    of 0 past the last chunk) and multiplies chunk c meanwhile. The
    accumulators (four per tile per lane) stay in f32 registers across K;
    the output is stored once. In the last block row, warps past M repeat
    the last warp row's products and store nothing, so that every thread
    reaches each barrier. The tiles' 16-byte accesses need `hrm-align-workgroup-buffers`
    after outlining.

    A `linalg.fill` of the output right before the matmul (nothing between
    them touching that buffer) becomes the accumulators' start value and is
    erased; without one, the accumulators start from the output's values.

    `precision=bf16` uses `mma.sync.m16n8k16` on bf16 pairs,
    `precision=tf32` `mma.sync.m16n8k4` on tf32 (the f32's bits; the
    tensor core ignores the low 13 mantissa bits); both accumulate in f32.
    With `precision=bf16`, operands already stored in bf16
    (`hrm-bf16-matmul-operands`) are staged as loaded. Shapes that are not
    multiples of the instruction's (M of 16, N of 8, K of 16 or 4), dynamic
    shapes and ops that do not accumulate in f32 are left alone.

    `emulate` builds the same blocks as host loops: each phase between two
    barriers is a loop over the block's threads, which copy the chunk into
    buffers standing for shared memory and load their registers from them
    as the kernel does (copies requested with `cp.async` are done at
    once, in the kernel's order; for `ldmatrix` every lane stores the
    row address it gives, then takes its registers from the rows the
    other lanes gave, as PTX defines). A warp's products are then taken from its lanes'
    registers where PTX's fragment layouts, written out separately from
    the ones the kernel uses, place each element: run on the CPU, a wrong
    fragment, staging or accumulator coordinate gives wrong numbers.

    Remarks (docs/remarks.md): `mma-sync`, passed for each matmul lowered
    (batch, M, N, K, precision), missed with the reason for each contraction
    on buffers left on the CUDA cores.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "Operand type on the tensor cores: bf16 or tf32">,
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "Host loops and scalar arithmetic instead of gpu.launch and "
           "mma.sync (for testing on the CPU)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def HrmMatmulToWgmma : Pass<"hrm-matmul-to-wgmma"> {
  let summary = "Lowers matmuls on buffers to warpgroup tensor-core kernels (wgmma, sm_90a)";
  let description = [{
    Rewrites each contraction that `hrm-matmul-to-mma-sync` would take with
    `precision=bf16` and whose M is a multiple of 64 into a `gpu.launch`
    of one warpgroup (128 threads) per 64 x N output tile, N the largest of
    128, 64, 32, 16 and 8 that divides the output's N; the tiles along
    `blockIdx.x` (N) and `blockIdx.y` (M), the batch along `blockIdx.z`.
    For each chunk of 64, 32 or 16 along K the threads copy both operand
    tiles into shared memory (a workgroup attribution) in the K-major,
    unswizzled layout of `wgmma`: 8-row by 16-byte core matrices, the two
    of a K step `16 x rows` bytes apart (the leading byte offset), eight
    rows 128 bytes apart (the stride byte offset). Operands stored in bf16
    with K as their last, contiguous dimension are copied 16 bytes
    (8 elements) per load; others element by element, rounded to bf16.
    After `fence.proxy.async` and a barrier, one `nvvm.wgmma.mma_async`
    per 16 of K (m64nNk16, bf16 operands, f32 accumulators) reads both
    tiles through 64-bit matrix descriptors built from their shared-memory
    addresses. Where both operands are copied 16 bytes at a time the
    tiles have two stages, filled by `nvvm.cp.async.shared.global`
    (`.cg`): chunk 0 is requested before the K loop; iteration c waits for
    the thread's copies, fences them, meets the block at one barrier,
    requests chunk c + 1 into the other stage (a source size of 0 past
    the last chunk) and runs chunk c's wgmmas meanwhile. The accumulators, N / 2 per thread, stay in registers across
    K and are stored once, at the coordinates of PTX's m64nNk16 accumulator
    layout. A preceding `linalg.fill` of the output becomes their start
    value, as in `hrm-matmul-to-mma-sync`.

    The kernel needs `sm_90a`. Contractions it does not take are left for
    `hrm-matmul-to-mma-sync`.

    `emulate` builds the same blocks, threads, shared-memory tiles and
    descriptors on the host (`scf.parallel` over blocks, loops over the
    threads between what would be barriers; copies requested with
    `cp.async` are done at once, in the kernel's stage order) and computes each
    accumulator by reading the operand tiles back through the descriptors'
    start address, leading and stride byte offsets as the PTX ISA defines
    them, so that the copy layout, the descriptors and the accumulator
    coordinates are run and checked against each other on the CPU. It
    does not check the hardware's reading of the descriptors.

    Remarks (docs/remarks.md): `wgmma`, passed for each matmul lowered
    (shape and tiling), missed for each tensor-core matmul whose M is not a
    multiple of 64.
  }];
  let options = [
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "Host loops and scalar arithmetic instead of gpu.launch and "
           "wgmma (for testing on the CPU)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def HrmAttentionToMmaSync : Pass<"hrm-attention-to-mma-sync"> {
  let summary = "Lowers the fused attention to a tensor-core flash-attention kernel (mma.sync, bf16)";
  let description = [{
    Rewrites the loop nest of `convert-hrm-to-linalg{fused-attention}` (a
    parallel loop over (head, query) marked `hrm.fused_attention`, with its
    mask in `hrm.mask` and prefix length in `hrm.prefix_len`) into a
    `gpu.launch` of four warps per block, a block per 64 queries of one
    head (`blockIdx.x` the query block, `blockIdx.y` the head): flash
    attention's forward on the tensor cores, operands in bf16, sums in f32.

    The block copies its query rows, and then each tile of 64 keys (32 or
    16 where the key count or shared memory asks for it) and their values, into
    shared memory, rounded to bf16 (nearest even), the values transposed
    ([head dim, keys]), each row padded to an odd number of 16-byte units
    so that a warp's 32-bit fragment loads hit 32 banks. Each warp takes 16
    queries: it loads its Q fragments once, and per tile computes its 16 x
    tile scores with `mma.sync.m16n8k16` (the staged keys as B, one 32-bit
    load per register), scales them by 1/sqrt(head dim), hides what the
    mask hides (-inf), and updates the online softmax of the two rows each
    lane holds (the row max over the tile through two `shfl.xor`s across
    the lane's group of four; the running sum per lane). The
    probabilities, rounded to bf16 pairs in the accumulators' own layout
    (which is the m16n8k16 A fragment's), multiply the staged values with
    `mma.sync` into f32 output accumulators, rescaled as the max grows. At
    the end the lanes' sums are added across the group and the output
    stored once, in f32. The block reads the tiles its last query sees.

    Any query and key count and head size up to 128: a head size off the
    instruction's multiple of 16 is staged padded with zeros (and its
    padding columns are not stored), keys past the last are staged as
    zeros and masked, and rows past the last query are not stored. Nests
    that differ from what `convert-hrm-to-linalg{fused-attention}` builds
    (its `hrm.mask` and `hrm.prefix_len`; q, k and v read at (head, query
    or key, d), one output stored at (head, query, d), no other effect) are
    left alone, for `hrm-tile-attention-keys`.

    `emulate` builds the same blocks as host loops: each phase between two
    barriers, mma.syncs and shuffles is a loop over the block's threads, the
    lanes' registers and state in buffers; the products are taken from the
    lanes' registers where PTX's fragment tables (written out separately
    from the kernel's coordinates) place each element, and a shuffle reads
    the partner lane's buffer. Run on the CPU it computes what the kernel
    would.

    Remarks (docs/remarks.md): `flash-attention-mma-sync`, passed for each
    attention lowered (heads, queries, keys, head size).
  }];
  let options = [
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "Host loops and scalar arithmetic instead of gpu.launch and "
           "mma.sync (for testing on the CPU)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def HrmTileAttentionKeys : Pass<"hrm-tile-attention-keys"> {
  let summary = "Stages the fused attention's keys and values in shared memory";
  let description = [{
    Rewrites the loop nest of `convert-hrm-to-linalg{fused-attention}` (a
    parallel loop over (head, query) marked `hrm.fused_attention`, around a
    sequential loop over the keys that carries the online softmax) into a
    `gpu.launch` with a block per tile of 64 queries of one head (32 when
    64 rows of every staged buffer would pass 32 KiB of shared memory) and
    a thread per query.

    The block's threads first copy its query rows (the buffer the key loop
    reads at the query index, if there is one) into shared memory, each
    row padded by one element, so that a warp reading its 32 rows at one
    column hits 32 banks. For each tile of as many keys they then copy the
    key and value rows (every buffer the key loop reads at the key index)
    into shared memory, neighbouring threads reading neighbouring
    elements, and each thread runs its key loop over the tile, reading
    those rows and its query row there; barriers separate the copies from
    the reads. The block reads the keys its last query sees (the mask's
    bound, which does not decrease along the queries), each thread those
    its own query sees. The key loop's body is cloned unchanged, so every
    query adds the same terms in the same order as the untiled loop.

    A nest whose key loop does not start at 0 by 1, whose staged buffers
    differ in shape or are written, or that does other than pure arithmetic
    before its key loop is left alone.

    `emulate` builds the same blocks on the host (`scf.parallel` over the
    blocks, loops over the threads between what would be barriers, the
    threads' carried state in a buffer), so that the tiling runs on the CPU.

    Remarks (docs/remarks.md): `shared-memory-keys`, passed for each
    attention tiled (heads, queries, keys, key tile).
  }];
  let options = [
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "Host loops instead of gpu.launch (for testing on the CPU)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect"];
}

def HrmBf16MatmulOperands : Pass<"hrm-bf16-matmul-operands", "::mlir::ModuleOp"> {
  let summary = "Stores the operands of the tensor cores' matmuls in bf16";
  let description = [{
    bf16 storage with f32 accumulation, on tensors. Each f32 contraction
    that `hrm-matmul-to-mma-sync{precision=bf16}` will put on the tensor
    cores (shapes multiples of 16 x 8 x 16, at most one batch dimension)
    becomes a `linalg.generic` that reads both operands as bf16 and widens
    them in its body; its result stays f32. Each operand is rounded to
    nearest even by an elementwise cast placed right after the operand's
    definition, before any `tensor.collapse_shape` / `tensor.expand_shape`
    between the operand and its producer, so that `hrm-fuse-elementwise`
    folds the cast into the producer (an RMSNorm, SwiGLU or a transpose,
    which becomes a generic, then writes bf16 directly, and the f32 tensor
    goes when nothing else reads it), and so that a value defined outside
    a loop or branch is cast outside it, once.

    Casts of a private function's argument move to its callers: the
    argument becomes a bf16 tensor when every use of it is such a cast, and
    every call casts its operand instead, repeated up the call graph. A
    parameter passed to the module functions of a rolled recurrence is then
    cast at the top of the entry function: the shared weights are rounded
    once per call and read as bf16 by every step.

    With `k-contiguous-arguments` (the GPU pipeline), an argument that a
    contraction reads with K not in its last dimension (a weight `[K, N]`)
    is cast into a layout with K last (`[N, K]`) and the contraction reads
    that: each lane of `hrm-matmul-to-mma-sync` then finds its pairs of
    K-consecutive elements adjacent and loads each pair at once. The CPU
    pipeline leaves the layout, which its loop order reads row by row.

    The numbers are those of `hrm-round-matmul-operands{precision=bf16}`:
    the same values are rounded at the same points, only stored in
    between. Contractions off the instruction's multiples and ops other
    than f32 contractions are left alone.

    Remarks (docs/remarks.md): `bf16-operands`, passed for each contraction
    that reads bf16 operands.
  }];
  let options = [
    Option<"kContiguousArguments", "k-contiguous-arguments", "bool",
           /*default=*/"false",
           "Cast arguments read with K in another dimension into a layout "
           "with K last">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HrmRoundMatmulOperands : Pass<"hrm-round-matmul-operands"> {
  let summary = "Rounds the operands of the matmuls hrm-matmul-to-mma-sync takes, for the CPU";
  let description = [{
    The CPU library of a `--matmul-precision bf16|tf32` artifact computes
    what the CUDA library's tensor cores do: every contraction on buffers
    that `hrm-matmul-to-mma-sync` would rewrite (f32, shapes multiples of
    the instruction's) becomes a `linalg.generic` whose body rounds both
    operands before multiplying (bf16: to nearest even; tf32: the low 13
    mantissa bits dropped), accumulating in f32. Only the order of the
    f32 additions differs from the GPU's. Other ops are left alone.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "Operand type to round to: bf16 or tf32">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def HrmFuseRowConsumers : Pass<"hrm-fuse-row-consumers"> {
  let summary = "Fuses a row reduction's loop and the broadcast consumer after it";
  let description = [{
    After `hrm-accumulate-in-registers` a row reduction (an RMSNorm's sum
    of squares, a softmax's max or sum) is a parallel loop over the rows
    that stores each row's value, and the all-parallel `linalg.generic`
    right after it reads that value broadcast along the row (normalising
    every element): two kernels on the GPU. This pass moves the consumer
    into the row loop, after the store, as sequential loops over its
    trailing dimensions that take the row value from the register: one
    kernel, a thread per row. It applies when the consumer's leading loop
    ranges are the row loop's, it reads the row values through exactly
    the row dimensions, its outputs have identity maps, and any buffer it
    writes that the row loop reads is the same buffer read in the same row
    (so a row's reads come before its writes). The row values are still
    stored for any later reader.

    Remarks (docs/remarks.md): `row-consumer`, passed for each consumer
    fused.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect"];
}

def HrmGPUThreadOrder : Pass<"hrm-gpu-thread-order"> {
  let summary = "Puts the innermost dimension of each parallel loop nest first";
  let description = [{
    `gpu-map-parallel-loops` maps the first dimension of an `scf.parallel`
    to `x` (blocks, and after tiling threads), the second to `y`, the third
    to `z`. `convert-linalg-to-parallel-loops` lists dimensions outermost
    first, so the 32 threads of a warp would step through the outermost,
    most strided dimension: every load and store its own cache line. This
    pass reverses the dimensions of every outermost `scf.parallel` without
    reductions (iterations of a parallel loop may run in any order), so the
    contiguous dimension of the buffers it writes is `threadIdx.x` and a
    warp's accesses coalesce.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def HrmGPUHostCode : Pass<"hrm-gpu-host-code"> {
  let summary = "Moves host code that reads or writes model buffers into one-thread loops";
  let description = [{
    `convert-linalg-to-parallel-loops` leaves a linalg op with no parallel
    dimension (a loss summed over every token, a 0-d fill) as plain loops,
    which would run on the host, where the runtime's device memory cannot
    be read (with managed memory each access would move the buffer's pages
    to the host and back). This pass wraps each maximal run of such operations (memory
    accesses, pure arithmetic, `scf.for` / `scf.if` made of them) that
    defines no value used after it into `scf.parallel (0) to (1)`, which
    becomes a one-thread kernel. Constants are hoisted above the run.
    Buffers of `index` or `i1` elements (buffer-deallocation's bookkeeping,
    which the host reads to decide what to free) stay on the host. Code
    inside `scf.parallel` is left alone.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def HrmHostBookkeeping : Pass<"hrm-host-bookkeeping", "::mlir::func::FuncOp"> {
  let summary = "Puts buffer deallocation's bookkeeping buffers on the stack";
  let description = [{
    `buffer-deallocation-pipeline` lowers each `bufferization.dealloc` of
    several buffers to small `index` and `i1` buffers (addresses and
    ownership flags) that the host fills and reads. In the GPU pipeline
    every `memref.alloc` is device memory, which the host cannot touch
    (with managed memory a host write would move the page, and the pages
    the driver groups with it, to the host and back). This pass turns each such buffer (static shape,
    `index` or `i1` elements, used outside `scf.parallel` only, freed by one
    `memref.dealloc` in its own block) into one `memref.alloca` at the
    function's entry, and drops the dealloc. Its instances are never live
    at once, so one stack slot serves every loop iteration.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def HrmGPUCheckHostAccess : Pass<"hrm-gpu-check-host-access", "::mlir::ModuleOp"> {
  let summary = "Checks that host code touches no buffer a kernel may use";
  let description = [{
    The CUDA backend does not wait for a kernel before the host code goes
    on: launches queue on one stream, in order, and the runtime waits once
    when an entry point returns. That is sound only if the host code never
    reads or writes a buffer's contents itself. This pass checks it after
    kernel outlining: in every function outside `gpu.module`, an operation
    that reads or writes a memref (by its memory effects; one without
    declared effects counts as both) must reach, through view-like ops, a
    `memref.alloca` (the host stack: `hrm-host-bookkeeping`), an argument
    marked `hrm.host` (an input the runtime passes in host memory, as the
    decode entry's position), or an argument of a private function whose
    every caller passes such a buffer. A call to an external function that
    takes a memref is an error as well.
    `memref.alloc` / `memref.dealloc` are allowed: the backend's pool hands
    a freed block out again only to work queued after it on the same stream.
    The host also makes no decision on a kernel's output, so an entry
    point's launch sequence is the same on every call without `hrm.host`
    inputs (what CUDA graph capture relies on).
  }];
}

def HrmDeallocAfterLastUse : Pass<"hrm-dealloc-after-last-use"> {
  let summary = "Frees each temporary buffer right after its last use";
  let description = [{
    The ownership-based `buffer-deallocation-pipeline` frees a buffer at
    the end of the block that allocated it, so in straight-line code (a
    module's backward function, a training entry) every temporary lives
    until the function returns and the heap peak is the sum of them all.
    This pass moves each `memref.dealloc` of a `memref.alloc` in the same
    block up to just after the last op of that block that uses the buffer
    or anything derived from it (any memref an op makes from it: views,
    casts, loop results), counting uses inside nested regions as uses by
    their ancestor in the block. A buffer whose alias reaches the block's
    terminator, or is used in another block, keeps its dealloc where it
    is. On the GPU the frees go back to the runtime's pool on the host
    while earlier kernels may still be queued; a later kernel that gets the
    same memory runs after them on the same stream.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def HrmDistinctResults : Pass<"hrm-distinct-results"> {
  let summary = "Gives every tensor a function returns twice its own copy";
  let description = [{
    After CSE two results of a function can be one value (the zero
    gradients of two parameters a gradient schedule detaches, say). One
    buffer cannot become two out-parameters, so before bufferization each
    repeat of a returned tensor is replaced by a `linalg.copy` of it.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HrmAlignWorkgroupBuffers : Pass<"hrm-align-workgroup-buffers"> {
  let summary = "Aligns the kernels' shared-memory buffers for vector accesses";
  let description = [{
    Sets `llvm.align` on every workgroup attribution of every `gpu.func`
    to `alignment` bytes, unless it is aligned further already.
    `convert-gpu-to-nvvm` otherwise aligns a workgroup buffer's global to
    its element type only (2 bytes for the bf16 tiles of
    `hrm-matmul-to-mma-sync`), and their 16-byte stores, `cp.async`
    copies and 4-byte fragment loads need more. Runs after
    `gpu-kernel-outlining`, which makes the attributions of `gpu.launch`
    those of a `gpu.func`.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"16",
           "Bytes; a power of two">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def HrmMergeGPUModules : Pass<"hrm-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Moves every outlined kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` gives each kernel its own `gpu.module`, and the
    kernels of different modules share names (`@a_kernel::@a_kernel`,
    `@a_kernel_0::@a_kernel`). This pass moves every kernel into one
    `gpu.module @hrm_kernels`, renamed after its old module (`@a_kernel_0`,
    or `@<module>_<kernel>` when a module held several), and points every
    `gpu.launch_func` at it. One module means one PTX file per architecture
    (assembled by ptxas once) and one module load at run time.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def HrmStridedCopyToLinalg : Pass<"hrm-strided-copy-to-linalg"> {
  let summary = "Rewrites memref.copy between strided buffers as linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` turns a copy between contiguous buffers into
    `memcpy`, but a copy with a strided layout into a call to `memrefCopy`
    from MLIR's C runner utilities, a library compiled artifacts must not
    depend on. This pass makes those copies `linalg.copy`, which
    `convert-linalg-to-loops` turns into plain loops.

    With `contiguous` it rewrites every copy: the GPU pipeline's copies must
    become kernels, since the host cannot `memcpy` device memory.
  }];
  let options = [
    Option<"contiguous", "contiguous", "bool", /*default=*/"false",
           "Rewrite copies between contiguous buffers too">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def HrmPackedEntries : Pass<"hrm-packed-entries", "::mlir::ModuleOp"> {
  let summary = "Adds `void hrm_entry_<name>(void **args)` wrappers for the runtime";
  let description = [{
    Runs on the LLVM dialect. For each `_mlir_ciface_<name>` function (made by
    `llvm.emit_c_interface`), adds an externally visible
    `hrm_entry_<name>(ptr)` that reads argument i, a pointer to a memref
    descriptor, from slot i of the array and calls it. The runtime can then
    call any entry point through one C signature.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // HRMC_CONVERSION_PASSES_TD
