//===- HrmOps.td - hrm operations --------------------------*- tablegen -*-===//
#ifndef HRM_OPS_TD
#define HRM_OPS_TD

include "hrm/HrmDialect.td"
include "hrm/HrmAttrs.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/CallInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/FunctionInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Activations are [batch, seq, d] float tensors; batch and seq may be dynamic.
def Hrm_Activation : TensorRankOf<[AnyFloat], [3]>;
def Hrm_Tokens : TensorRankOf<[AnySignlessInteger], [2]>;
def Hrm_Matrix : TensorRankOf<[AnyFloat], [2]>;
def Hrm_Vector : TensorRankOf<[AnyFloat], [1]>;

//===----------------------------------------------------------------------===//
// Structure: model, parameters, modules
//===----------------------------------------------------------------------===//

def Hrm_ModelOp : Hrm_Op<"model", [
    Symbol, SymbolTable, IsolatedFromAbove, NoTerminator, SingleBlock,
    NoRegionArguments]> {
  let summary = "a model: its shared parameters, modules and entry points";
  let description = [{
    A symbol table that holds the parameters (`hrm.param`), the modules
    (`hrm.module`) and the graph entry points (`func.func`) of one model.
    `max_seq_len` bounds the sequence length the model is built for.

    ```mlir
    hrm.model @tiny attributes {max_seq_len = 64 : i64} {
      hrm.param @embed : tensor<256x32xf32> init <normal(0.17)>
      func.func @logits(%tokens: tensor<?x?xi32>) -> tensor<?x?x256xf32> { ... }
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       OptionalAttr<I64Attr>:$max_seq_len);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "StringRef":$name)>];
  let extraClassDeclaration = [{
    /// Total number of parameter elements.
    int64_t getParameterCount();
  }];
}

def Hrm_ParamOp : Hrm_Op<"param", [Symbol, HasParent<"ModelOp">]> {
  let summary = "a parameter shared by every use";
  let description = [{
    Declares one parameter tensor with a static shape and its initialisation.
    Uses read it with `hrm.weight`; the name is also its tensor name in
    checkpoints (see docs/parameters.md).

    A `frozen` parameter keeps its initial value: `hrm-autodiff` gives it no
    gradient and the optimizer never updates it, like a PyTorch buffer (HRM
    keeps its fixed initial states so). It is still initialised, checkpointed
    and loaded like any other.

    ```mlir
    hrm.param @fast.blocks.0.attn.wq : tensor<64x64xf32> init <trunc_normal(0.125)>
    hrm.param @slow.init : tensor<64xf32> init <trunc_normal(1.0)> frozen
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyStaticShapeTensor>:$type,
                       Hrm_InitAttr:$init,
                       UnitAttr:$frozen);
  let assemblyFormat =
      "$sym_name `:` $type `init` $init (`frozen` $frozen^)? attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    RankedTensorType getTensorType() {
      return ::llvm::cast<RankedTensorType>(getType());
    }
  }];
}

def Hrm_WeightOp : Hrm_Op<"weight", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a shared parameter";
  let description = [{
    Yields the value of the parameter named by `param`. Every step of a loop,
    rolled or unrolled, reads the same symbol.

    ```mlir
    %wq = hrm.weight @fast.blocks.0.attn.wq : tensor<64x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$param attr-dict `:` type($result)";
}

def Hrm_ModuleDefOp : Hrm_Op<"module", [
    FunctionOpInterface, IsolatedFromAbove, HasParent<"ModelOp">,
    OpAsmOpInterface]> {
  let summary = "a named, reusable stack of transformer blocks";
  let description = [{
    A module is applied with `hrm.apply`. Its first argument is the state it
    refines; further arguments are injections (the module adds or mixes them
    at entry), per-layer query sources or other inputs. Its body reads the
    shared parameters through `hrm.weight` and ends with `hrm.yield`. Norm
    placement (pre, post, sandwich) and a final norm are the order of the
    `hrm.rmsnorm`, `hrm.attention`, `hrm.mlp` and `hrm.add` ops in the body.

    ```mlir
    hrm.module @fast(%z: tensor<?x?x64xf32>, %inj: tensor<?x?x64xf32>)
        -> tensor<?x?x64xf32> {
      %h = hrm.add %z, %inj : tensor<?x?x64xf32>, tensor<?x?x64xf32>
      ...
      hrm.yield %out : tensor<?x?x64xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "StringRef":$name, "FunctionType":$type)>];
  let extraClassDeclaration = [{
    ::mlir::Region *getCallableRegion() { return &getBody(); }
    ArrayRef<Type> getArgumentTypes() { return getFunctionType().getInputs(); }
    ArrayRef<Type> getResultTypes() { return getFunctionType().getResults(); }
    static StringRef getDefaultDialect() { return "hrm"; }
  }];
}

def Hrm_ApplyOp : Hrm_Op<"apply", [
    CallOpInterface, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "applies a module to its inputs";
  let description = [{
    One module application. The optional `memory` policy, set by unrolling a
    loop, says whether the backward pass keeps or recomputes its
    activations.

    ```mlir
    %z1 = hrm.apply @fast(%z0, %inj) : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee,
                       Variadic<AnyType>:$inputs,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs,
                       OptionalAttr<Hrm_MemoryPolicyAttr>:$memory);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $callee `(` $inputs `)` attr-dict `:` functional-type($inputs, results)
  }];
  let extraClassDeclaration = [{
    operand_range getArgOperands() { return getInputs(); }
    MutableOperandRange getArgOperandsMutable() { return getInputsMutable(); }
    CallInterfaceCallable getCallableForCallee() { return getCalleeAttr(); }
    void setCalleeFromCallable(CallInterfaceCallable callee) {
      (*this)->setAttr("callee", ::llvm::cast<SymbolRefAttr>(callee));
    }
  }];
}

def Hrm_YieldOp : Hrm_Op<"yield", [
    Pure, Terminator, ReturnLike,
    ParentOneOf<["ModuleDefOp", "HierLoopOp", "LoopOp"]>]> {
  let summary = "ends a module body or a loop step";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, ValueRange()); }]>];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Transformer ops
//===----------------------------------------------------------------------===//

def Hrm_EmbedOp : Hrm_Op<"embed", [Pure]> {
  let summary = "token embedding lookup, multiplied by `scale`";
  let description = [{
    `result[b, s, :] = scale * table[tokens[b, s], :]`.

    ```mlir
    %x = hrm.embed %tokens, %table scale 8.0 : tensor<?x?xi32>, tensor<256x64xf32> -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Tokens:$tokens, Hrm_Matrix:$table,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $tokens `,` $table `scale` $scale attr-dict `:` type($tokens) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_RMSNormOp : Hrm_Op<"rmsnorm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "root-mean-square normalisation over the last dimension";
  let description = [{
    `x / sqrt(mean(x^2) + eps)`, times `weight` when given, computed in f32.

    ```mlir
    %n = hrm.rmsnorm %h eps 1.0e-05 : tensor<?x?x64xf32>
    %m = hrm.rmsnorm %h weight %g eps 1.0e-05 : tensor<?x?x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$input, Optional<Hrm_Vector>:$weight,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? `eps` $eps attr-dict `:` type($input) (`,` type($weight)^)?
  }];
  let hasVerifier = 1;
}

def Hrm_AttentionOp : Hrm_Op<"attention", [Pure,
    AllTypesMatch<["input", "result"]>,
    AllTypesMatch<["wq", "wk", "wv", "wo"]>]> {
  let summary = "multi-head self-attention with optional RoPE and query injection";
  let description = [{
    `softmax(mask(Q K^T / sqrt(head_dim))) V Wo` with `Q = q_src Wq`,
    `K = input Wk`, `V = input Wv`, split into `heads` heads. `q_src` is
    `query` when given (the attention injection of the fully looped
    transformer) and `input` otherwise. With `rope` the rotary embedding of
    that base frequency is applied to Q and K (pairs of adjacent features).
    `mask` is `causal`, `bidirectional`, or `prefix` (bidirectional over the
    first `prefix_len` positions, causal after them). No bias.

    ```mlir
    %a = hrm.attention %x weights(%wq, %wk, %wv, %wo) heads 4 mask causal rope 1.0e+04
         : tensor<?x?x64xf32>, tensor<64x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$input,
                       Hrm_Matrix:$wq, Hrm_Matrix:$wk, Hrm_Matrix:$wv, Hrm_Matrix:$wo,
                       Optional<Hrm_Activation>:$query,
                       I64Attr:$heads, Hrm_MaskKind:$mask,
                       OptionalAttr<I64Attr>:$prefix_len,
                       OptionalAttr<F64Attr>:$rope_theta);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $input `weights` `(` $wq `,` $wk `,` $wv `,` $wo `)` (`query` $query^)?
    `heads` $heads `mask` $mask (`prefix` $prefix_len^)? (`rope` $rope_theta^)?
    attr-dict `:` type($input) `,` type($wq) (`,` type($query)^)?
  }];
  let hasVerifier = 1;
}

def Hrm_CachedAttentionOp : Hrm_Op<"cached_attention", [Pure,
    AllTypesMatch<["input", "result"]>,
    AllTypesMatch<["wq", "wk", "wv", "wo"]>,
    AllTypesMatch<["k_cache", "v_cache", "new_k_cache", "new_v_cache"]>]> {
  let summary = "causal attention of new positions against a key/value cache";
  let description = [{
    The decoding form of `hrm.attention` with a causal mask: `input` holds
    the positions `position, position+1, ...` of each sequence. Their keys
    and values are written into row `slot` of the caches
    (`[slots, batch, heads, max_seq_len, head_dim]`) at those positions, and
    their queries attend to cache positions up to their own. Each module
    application owns one slot, so a rolled loop's applications share the
    op but not the cache. Results: the attention output and the updated
    caches. Built by `hrm-decode-entry`.
    ```mlir
    %a, %k1, %v1 = hrm.cached_attention %x weights(%wq, %wk, %wv, %wo)
        cache(%k0, %v0) slot %s position %p heads 4 rope 1.0e+04
        : tensor<1x1x64xf32>, tensor<64x64xf32>, tensor<6x1x4x128x16xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$input,
                       Hrm_Matrix:$wq, Hrm_Matrix:$wk, Hrm_Matrix:$wv, Hrm_Matrix:$wo,
                       TensorRankOf<[AnyFloat], [5]>:$k_cache,
                       TensorRankOf<[AnyFloat], [5]>:$v_cache,
                       Index:$slot, Index:$position,
                       Optional<Hrm_Activation>:$query,
                       I64Attr:$heads, OptionalAttr<F64Attr>:$rope_theta);
  let results = (outs Hrm_Activation:$result,
                      TensorRankOf<[AnyFloat], [5]>:$new_k_cache,
                      TensorRankOf<[AnyFloat], [5]>:$new_v_cache);
  let assemblyFormat = [{
    $input `weights` `(` $wq `,` $wk `,` $wv `,` $wo `)` (`query` $query^)?
    `cache` `(` $k_cache `,` $v_cache `)` `slot` $slot `position` $position
    `heads` $heads (`rope` $rope_theta^)?
    attr-dict `:` type($input) `,` type($wq) `,` type($k_cache) (`,` type($query)^)?
  }];
  let hasVerifier = 1;
}

def Hrm_MlpOp : Hrm_Op<"mlp", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "feed-forward block: SwiGLU or GELU";
  let description = [{
    `swiglu`: `(silu(x Wg) * (x Wu)) Wd`; `gelu`: `gelu(x Wu) Wd` (tanh
    approximation). No bias.

    ```mlir
    %y = hrm.mlp swiglu %x gate %wg up %wu down %wd
         : tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256x64xf32>
    ```
  }];
  let arguments = (ins Hrm_MlpKind:$kind, Hrm_Activation:$input,
                       Optional<Hrm_Matrix>:$gate, Hrm_Matrix:$up,
                       Hrm_Matrix:$down);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $kind $input (`gate` $gate^)? `up` $up `down` $down attr-dict
    `:` type($input) `,` type($up) `,` type($down) (`,` type($gate)^)?
  }];
  let hasVerifier = 1;
}

def Hrm_LinearOp : Hrm_Op<"linear", [Pure]> {
  let summary = "matrix product over the last dimension, without bias";
  let description = [{
    ```mlir
    %y = hrm.linear %x, %w : tensor<?x?x128xf32>, tensor<128x64xf32> -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$input, Hrm_Matrix:$weight);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_AddOp : Hrm_Op<"add", [Pure, Commutative, AllTypesMatch<["lhs", "result"]>]> {
  let summary = "elementwise sum; a vector rhs broadcasts over batch and sequence";
  let description = [{
    Residual connections, injections and step embeddings.

    ```mlir
    %s = hrm.add %a, %b : tensor<?x?x64xf32>, tensor<?x?x64xf32>
    %t = hrm.add %a, %step : tensor<?x?x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$lhs,
                       AnyTypeOf<[Hrm_Activation, Hrm_Vector]>:$rhs);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let hasVerifier = 1;
}

def Hrm_ConcatOp : Hrm_Op<"concat", [Pure]> {
  let summary = "concatenation over the last dimension";
  let description = [{
    The first half of a concat-and-linear injection.

    ```mlir
    %c = hrm.concat %s, %e : tensor<?x?x64xf32>, tensor<?x?x64xf32> -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$lhs, Hrm_Activation:$rhs);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_LMHeadOp : Hrm_Op<"lm_head", [Pure]> {
  let summary = "projection to vocabulary logits";
  let description = [{
    `logits = x W` with `W : [d, vocab]`, or `x E^T` with the embedding table
    `E : [vocab, d]` when `tied`.

    ```mlir
    %l = hrm.lm_head %h, %w : tensor<?x?x64xf32>, tensor<64x256xf32> -> tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$input, Hrm_Matrix:$weight, UnitAttr:$tied);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight (`tied` $tied^)? attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_CrossEntropyOp : Hrm_Op<"cross_entropy", [Pure, AttrSizedOperandSegments]> {
  let summary = "mean next-token cross-entropy in nats";
  let description = [{
    `mean over (b, s) of logsumexp(logits[b, s]) - logits[b, s, targets[b, s]]`,
    times `scale` (default 1) and added to `acc` when it is given: a loss
    tapped at every step of a loop sums its taps this way. With `at %i taps
    [...]` (a loss tapped at some steps of a loop) the term counts only
    where the step `%i` is one of the listed steps (0-based), and adds 0
    elsewhere; with `weights [...]` too, it counts times the listed step's
    weight.

    ```mlir
    %loss = hrm.cross_entropy %logits, %targets : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
    %sum = hrm.cross_entropy %logits, %targets acc(%prev : tensor<f32>) {scale = 2.5e-01 : f64} : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
    %some = hrm.cross_entropy %logits, %targets acc(%prev : tensor<f32>) at %i taps [3, 7] {scale = 5.0e-01 : f64} : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
    %weighted = hrm.cross_entropy %logits, %targets acc(%prev : tensor<f32>) at %i taps [3, 7] weights [2.5e-01, 7.5e-01] : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$logits, Hrm_Tokens:$targets,
                       Optional<0DTensorOf<[AnyFloat]>>:$acc,
                       Optional<Index>:$step,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       OptionalAttr<DenseI64ArrayAttr>:$tap_steps,
                       OptionalAttr<DenseF64ArrayAttr>:$tap_weights);
  let results = (outs 0DTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $logits `,` $targets (`acc` `(` $acc^ `:` type($acc) `)`)? (`at` $step^ `taps` $tap_steps)? (`weights` $tap_weights^)? attr-dict `:` type($logits) `,` type($targets) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Adaptive computation time (HRM's halting head)
//===----------------------------------------------------------------------===//

def Hrm_QHeadOp : Hrm_Op<"q_head", [Pure]> {
  let summary = "the halting head: halt and continue logits per sequence";
  let description = [{
    `q[b, :] = state[b, p, :] weight + bias`, at position `p` = 0, or the
    last position with `last` (under a causal mask only the last position
    has seen the whole sequence). Column 0 is the halt logit, column 1 the
    continue logit.

    ```mlir
    %q = hrm.q_head %z, %w, %bias : tensor<?x?x64xf32>, tensor<64x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
    %q = hrm.q_head %z, %w, %bias last : tensor<?x?x64xf32>, tensor<64x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$state, Hrm_Matrix:$weight,
                       Hrm_Vector:$bias, UnitAttr:$last);
  let results = (outs Hrm_Matrix:$result);
  let assemblyFormat = [{
    $state `,` $weight `,` $bias (`last` $last^)? attr-dict `:` type($state) `,` type($weight) `,` type($bias) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_SequenceCorrectOp : Hrm_Op<"sequence_correct", [Pure]> {
  let summary = "1 for a sequence whose every target is its position's argmax";
  let description = [{
    `correct[b] = 1` when, at every position `s`, `logits[b, s, targets[b, s]]`
    is the largest logit of the position (a tie counts as correct), and 0
    otherwise: the halting head's target for halting. It has no gradient.

    ```mlir
    %c = hrm.sequence_correct %logits, %targets : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<?xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$logits, Hrm_Tokens:$targets);
  let results = (outs Hrm_Vector:$result);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_HaltLossOp : Hrm_Op<"halt_loss", [Pure, AllTypesMatch<["q", "next"]>]> {
  let summary = "the halting head's Q-learning loss";
  let description = [{
    HRM's adaptive computation time trains its halting head with two
    binary cross-entropies (with logits) per sequence:

    ```
    target[b] = sigmoid(last[b] != 0 ? next[b, 0] : max(next[b, 0], next[b, 1]))
    loss = acc + weight / batch * sum over b of
           bce(q[b, 0], correct[b]) + bce(q[b, 1], target[b])
    ```

    `q` is this segment's head, `next` the head after one more segment
    (the bootstrapped target, computed without gradient), `correct` the
    sequences the segment got right and `last` the rows at their last
    allowed segment. Only `q` gets gradient. The reference sums over the
    batch; dividing by it keeps the loss on the scale of the mean
    cross-entropy it is added to (`acc`).

    ```mlir
    %l = hrm.halt_loss %q, %next, %correct, %last acc(%lm : tensor<f32>) {weight = 5.0e-01 : f64} : tensor<?x2xf32>, tensor<?xf32>, tensor<?xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Hrm_Matrix:$q, Hrm_Matrix:$next, Hrm_Vector:$correct,
                       TensorRankOf<[I32], [1]>:$last,
                       Optional<0DTensorOf<[AnyFloat]>>:$acc,
                       DefaultValuedAttr<F64Attr, "0.5">:$weight);
  let results = (outs 0DTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $q `,` $next `,` $correct `,` $last (`acc` `(` $acc^ `:` type($acc) `)`)? attr-dict `:` type($q) `,` type($correct) `,` type($last) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Adaptive computation time per position (Universal Transformer)
//===----------------------------------------------------------------------===//

def Hrm_ActProbOp : Hrm_Op<"act_prob", [Pure]> {
  let summary = "the pondering unit: a halting probability per position";
  let description = [{
    `p[b, s, 0] = sigmoid(state[b, s, :] weight + bias)`: the Universal
    Transformer's per-position halting probability (Graves' ACT). The
    result is shaped like the state, with a last dimension of 1.

    ```mlir
    %p = hrm.act_prob %s, %w, %bias : tensor<?x?x64xf32>, tensor<64x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$state, Hrm_Matrix:$weight,
                       Hrm_Vector:$bias);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $state `,` $weight `,` $bias attr-dict `:` type($state) `,` type($weight) `,` type($bias) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_ActUpdateOp : Hrm_Op<"act_update", [Pure,
    AllTypesMatch<["p", "halting", "remainders", "updates", "new_halting",
                   "new_remainders", "new_updates"]>,
    AllTypesMatch<["transformed", "acc", "new_acc"]>]> {
  let summary = "one step of ACT's bookkeeping and its weighted state";
  let description = [{
    One step of the Universal Transformer's adaptive computation time, per
    position, as tensor2tensor's `universal_transformer_act` writes it
    (`halting`, `remainders` and `updates` start at 0; every per-position
    tensor has a last dimension of 1):

    ```
    running  = halting < 1
    new_halt = running and halting + p > threshold
    running  = running and halting + p <= threshold
    halting'    = halting + p * running
    remainders' = remainders + new_halt * (1 - halting')
    halting''   = halting' + new_halt * remainders'
    updates'    = updates + running + new_halt
    w           = p * running + new_halt * remainders'
    acc'        = transformed * w + acc * (1 - w)
    ```

    A position that halted gets `w = 0` from then on, so running a fixed
    number of steps computes what the reference's while loop does. The
    masks carry no gradient; `updates` none at all.

    ```mlir
    %acc1, %h1, %r1, %n1 = hrm.act_update %p, %t, %acc, %h, %r, %n threshold 9.900000e-01 : tensor<?x?x1xf32>, tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$p, Hrm_Activation:$transformed,
                       Hrm_Activation:$acc, Hrm_Activation:$halting,
                       Hrm_Activation:$remainders, Hrm_Activation:$updates,
                       F64Attr:$threshold);
  let results = (outs Hrm_Activation:$new_acc, Hrm_Activation:$new_halting,
                      Hrm_Activation:$new_remainders,
                      Hrm_Activation:$new_updates);
  let assemblyFormat = [{
    $p `,` $transformed `,` $acc `,` $halting `,` $remainders `,` $updates `threshold` $threshold attr-dict `:` type($p) `,` type($transformed)
  }];
  let hasVerifier = 1;
}

def Hrm_PonderCostOp : Hrm_Op<"ponder_cost", [Pure,
    AllTypesMatch<["remainders", "updates"]>]> {
  let summary = "ACT's ponder cost, added to a loss";
  let description = [{
    `acc + weight * mean(remainders + updates)` over every position: the
    Universal Transformer's penalty on the steps its positions take. Only
    `remainders` gets gradient.

    ```mlir
    %l = hrm.ponder_cost %r, %n acc(%ce : tensor<f32>) weight 1.000000e-02 : tensor<?x?x1xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$remainders, Hrm_Activation:$updates,
                       Optional<0DTensorOf<[AnyFloat]>>:$acc, F64Attr:$weight);
  let results = (outs 0DTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $remainders `,` $updates (`acc` `(` $acc^ `:` type($acc) `)`)? `weight` $weight attr-dict `:` type($remainders) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hrm_DivideByCountOp : Hrm_Op<"divide_by_count", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "a loss sum divided by a count known at run time";
  let description = [{
    `input / count`: a loss summed over a loop's steps made their mean when
    the loop's count is an input (a sampled trip count), so that it cannot
    be a `scale`. The gradient is the result's, divided the same way. A
    constant count must be at least 1.

    ```mlir
    %mean = hrm.divide_by_count %sum, %n : tensor<f32>
    ```
  }];
  let arguments = (ins 0DTensorOf<[AnyFloat]>:$input, Index:$count);
  let results = (outs 0DTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $count attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Hrm_PositionZerosOp : Hrm_Op<"position_zeros", [Pure]> {
  let summary = "a zero per position of an activation";
  let description = [{
    `[batch, seq, 1]` zeros for an activation `[batch, seq, d]`: ACT's
    bookkeeping starts from them.

    ```mlir
    %z = hrm.position_zeros %x : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$like);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = "$like attr-dict `:` type($like) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// States and gradients
//===----------------------------------------------------------------------===//

def Hrm_BroadcastOp : Hrm_Op<"broadcast", [Pure, AllTypesMatch<["like", "result"]>]> {
  let summary = "broadcasts a vector to the shape of an activation";
  let description = [{
    Initial states from a fixed learned or sampled vector.

    ```mlir
    %z0 = hrm.broadcast %v like %x : tensor<64xf32>, tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Vector:$vector, Hrm_Activation:$like);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = "$vector `like` $like attr-dict `:` type($vector) `,` type($like)";
  let hasVerifier = 1;
}

def Hrm_ZerosLikeOp : Hrm_Op<"zeros_like", [Pure, SameOperandsAndResultType]> {
  let summary = "a zero state shaped like its operand";
  let arguments = (ins Hrm_Activation:$like);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = "$like attr-dict `:` type($like)";
}

def Hrm_RandomNormalLikeOp : Hrm_Op<"random_normal_like", [
    AllTypesMatch<["like", "result"]>, AttrSizedOperandSegments]> {
  let summary = "a state of independent normal samples shaped like its operand";
  let description = [{
    The random initial state of a recurrent-depth core. Each sample is drawn
    by a counter-based generator (Box-Muller over a 32-bit integer hash) from
    `seed`, `draw`, its batch row, its position and its feature, so one seed
    and draw give the same sample on every backend, and a position's sample
    does not depend on the sequence length. `draw` (an i32, 0 when absent)
    picks a fresh sample: the front end makes it the entry point's
    `noise_draw` input, which `hrm-run train` sets to the step number and
    evaluation leaves at 0. `at`, when given, is the position of the first
    row (`hrm-decode-entry` sets it to the decoding position); it is 0
    otherwise.

    ```mlir
    %s0 = hrm.random_normal_like %e std 1.0 seed 7 : tensor<?x?x64xf32>
    %s1 = hrm.random_normal_like %e std 1.0 seed 7 draw %d : tensor<?x?x64xf32>
    %s2 = hrm.random_normal_like %e std 1.0 seed 7 at %pos : tensor<1x1x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$like, F64Attr:$std, I64Attr:$seed,
                       Optional<I32>:$draw, Optional<Index>:$position);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $like `std` $std `seed` $seed (`draw` $draw^)? (`at` $position^)?
    attr-dict `:` type($like)
  }];
  let hasVerifier = 1;
}

def Hrm_StepEmbeddingOp : Hrm_Op<"step_embedding", [Pure]> {
  let summary = "row `step` of a step-embedding table";
  let description = [{
    ```mlir
    %e = hrm.step_embedding %table[%i] : tensor<12x64xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins Hrm_Matrix:$table, Index:$step);
  let results = (outs Hrm_Vector:$result);
  let assemblyFormat = "$table `[` $step `]` attr-dict `:` type($table) `->` type($result)";
  let hasVerifier = 1;
}

def Hrm_DetachOp : Hrm_Op<"detach", [Pure, SameOperandsAndResultType]> {
  let summary = "identity whose gradient is zero";
  let description = [{
    Marks where a gradient window begins: values computed before it carry no
    gradient to what comes after. Unrolling a loop with a truncated or
    one-step gradient schedule places these on the carried states.

    ```mlir
    %z = hrm.detach %z0 : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$input);
  let results = (outs AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Hrm_CarryInOp : Hrm_Op<"carry_in", [Pure,
    AllTypesMatch<["carried", "init", "result"]>]> {
  let summary = "a loop's initial state: carried from the last segment, or reset";
  let description = [{
    Deep supervision runs the loop once per optimizer step (a segment) and
    starts each segment from the states the previous one ended with. Row
    `b` of the result is row `b` of `init` where `reset[b]` is non-zero (a
    new sequence), and row `b` of `carried` otherwise. The carried state is
    detached: only `init` gets gradient, in the rows that took it.

    ```mlir
    %z0 = hrm.carry_in %carried or %init reset %mask : tensor<?xi32>, tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$carried, Hrm_Activation:$init,
                       TensorRankOf<[I32], [1]>:$reset);
  let results = (outs Hrm_Activation:$result);
  let assemblyFormat = [{
    $carried `or` $init `reset` $reset attr-dict `:` type($reset) `,` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

def Hrm_HierLoopOp : Hrm_Op<"hier_loop", [
    AllTypesMatch<["fast_init", "fast_result"]>,
    AllTypesMatch<["slow_init", "slow_result"]>,
    RangedTypesMatchWith<"the accumulators' results match their inits",
                         "acc_inits", "acc_results", "$_self">,
    AttrSizedOperandSegments, RecursiveMemoryEffects]> {
  let summary = "the two-speed loop: a fast step every step, a slow step every T";
  let description = [{
    Runs N cycles; each cycle runs the `fast` region T times and then the
    `slow` region once (M = N x T fast steps in all):

    ```
    for i in 0..N-1:
      for j in 0..T-1: zf = fast(i*T + j, zf, zs)
      zs = slow(i, zf, zs)
    ```

    Both regions take `(step: index, fast_state, slow_state)` and yield their
    own new state; injections are ordinary ops in the regions. The regions may
    use values defined above the loop (the input embedding). The results are
    the final fast and slow states.

    ```mlir
    %zf, %zs = hrm.hier_loop N 2 T 3 init(%zf0, %zs0) : tensor<?x?x64xf32>, tensor<?x?x64xf32>
        schedule <unroll = rolled, grad = one_step, memory = keep>
      fast {
      ^bb0(%k: index, %f: tensor<?x?x64xf32>, %s: tensor<?x?x64xf32>):
        ...
        hrm.yield %f1 : tensor<?x?x64xf32>
      } slow {
      ^bb0(%i: index, %f: tensor<?x?x64xf32>, %s: tensor<?x?x64xf32>):
        ...
        hrm.yield %s1 : tensor<?x?x64xf32>
      }
    ```

    With `acc(...)`, the loop also carries accumulators that the slow
    region updates once per cycle (the losses tapped at each cycle's slow
    state): both regions take them after the states, the slow region
    yields their next values after its state, and their last values are
    results after the states.

    ```mlir
    %zf, %zs, %loss = hrm.hier_loop N 2 T 3 init(%zf0, %zs0) : ... acc(%zero : tensor<f32>)
        schedule <unroll = rolled, grad = full, memory = keep>
      fast {
      ^bb0(%k: index, %f: tensor<?x?x64xf32>, %s: tensor<?x?x64xf32>, %l: tensor<f32>):
        ...
        hrm.yield %f1 : tensor<?x?x64xf32>
      } slow {
      ^bb0(%i: index, %f: tensor<?x?x64xf32>, %s: tensor<?x?x64xf32>, %l: tensor<f32>):
        ...
        hrm.yield %s1, %l1 : tensor<?x?x64xf32>, tensor<f32>
      }
    ```

    With `window %k`, the gradient schedule's k (of `truncated(k)` or
    `slow_first(k)`) is the bound and `%k` the window used, a number known
    only at run time (HRM-Text warms it up over training). It is clamped
    to [1, k] for truncated and [2, k] for slow_first; the loop stays
    rolled, and the forward pass ignores it.

    ```mlir
    %zf, %zs = hrm.hier_loop N 2 T 3 window %k init(%zf0, %zs0) : ...
        schedule <unroll = rolled, grad = slow_first(5), memory = keep>
      fast { ... } slow { ... }
    ```
  }];
  let arguments = (ins AnyTensor:$fast_init, AnyTensor:$slow_init,
                       Variadic<AnyTensor>:$acc_inits,
                       Optional<Index>:$window,
                       I64Attr:$n, I64Attr:$t, Hrm_ScheduleAttr:$schedule);
  let results = (outs AnyTensor:$fast_result, AnyTensor:$slow_result,
                      Variadic<AnyTensor>:$acc_results);
  let regions = (region SizedRegion<1>:$fast, SizedRegion<1>:$slow);
  let assemblyFormat = [{
    `N` $n `T` $t (`window` $window^)? `init` `(` $fast_init `,` $slow_init `)` `:` type($fast_init) `,` type($slow_init)
    (`acc` `(` $acc_inits^ `:` type($acc_inits) `)`)?
    `schedule` $schedule attr-dict-with-keyword `fast` $fast `slow` $slow
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Fast plus slow module applications: N*T + N.
    int64_t getNumSteps() { return getN() * getT() + getN(); }
    /// The carried values: the fast and slow states, then the accumulators.
    SmallVector<Value> getCarriedInits() {
      SmallVector<Value> inits{getFastInit(), getSlowInit()};
      llvm::append_range(inits, getAccInits());
      return inits;
    }
  }];
}

def Hrm_LoopOp : Hrm_Op<"loop", [RecursiveMemoryEffects,
                                  AttrSizedOperandSegments]> {
  let summary = "a flat loop over shared weights";
  let description = [{
    Runs `body` `steps` times over the carried values. The body takes
    `(step: index, carried...)` and yields the next carried values; the
    results are the last ones. Universal, looped, fully looped and
    recurrent-depth transformers are built from it.

    With `count`, the loop runs `count` times instead, a number known only
    at run time (a trip count sampled per training step, or forced at
    evaluation); `steps` stays the nominal count that analyses assume. The
    loop is then kept rolled, and its gradient window must be bounded
    (`truncated(k)` or `one_step`), so that what the backward stores does
    not grow with the count. A `count` of 0 returns the initial values.

    With `window %k`, the `truncated(k)` schedule's k is the bound and
    `%k`, clamped to [1, k], the window used, a number known only at run
    time (a warm-up of the window over training). The loop stays rolled,
    and the forward pass ignores it.

    ```mlir
    %h = hrm.loop steps 12 iter(%x0 : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
        schedule <unroll = rolled, grad = full, memory = keep> {
    ^bb0(%i: index, %h: tensor<?x?x64xf32>):
      ...
      hrm.yield %h1 : tensor<?x?x64xf32>
    }
    %s = hrm.loop steps 8 count %r iter(%s0 : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
        schedule <unroll = rolled, grad = truncated(4), memory = keep> { ... }
    %u = hrm.loop steps 6 window %k iter(%u0 : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
        schedule <unroll = rolled, grad = truncated(4), memory = keep> { ... }
    ```
  }];
  let arguments = (ins Variadic<AnyTensor>:$inits, Optional<Index>:$count,
                       Optional<Index>:$window,
                       I64Attr:$steps, Hrm_ScheduleAttr:$schedule);
  let results = (outs Variadic<AnyTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `steps` $steps (`count` $count^)? (`window` $window^)? `iter` `(` $inits `:` type($inits) `)`
    `->` type($results) `schedule` $schedule attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients (built by hrm-autodiff)
//===----------------------------------------------------------------------===//

class Hrm_GradOp<string mnemonic, list<Trait> traits = []>
    : Hrm_Op<mnemonic, !listconcat([Pure], traits)> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Hrm_RMSNormGradOp : Hrm_GradOp<"rmsnorm_grad", [
    AllTypesMatch<["input", "result_grad", "input_grad"]>]> {
  let summary = "vector-Jacobian product of hrm.rmsnorm";
  let description = [{
    Given the forward input and the gradient of the result, the gradient of
    the input and, with `weight`, of the weight (summed over batch and
    sequence). The normalisation is recomputed from `input`.

    ```mlir
    %dx = hrm.rmsnorm_grad %x, %dy {eps = 1.0e-05 : f64} : (tensor<2x8x64xf32>, tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
    ```
  }];
  let arguments = (ins Hrm_Activation:$input, Hrm_Activation:$result_grad,
                       Optional<Hrm_Vector>:$weight,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Hrm_Activation:$input_grad,
                      Optional<Hrm_Vector>:$weight_grad);
}

def Hrm_AttentionGradOp : Hrm_GradOp<"attention_grad", [
    AllTypesMatch<["input", "result_grad", "input_grad"]>,
    AllTypesMatch<["wq", "wk", "wv", "wo", "wq_grad", "wk_grad", "wv_grad", "wo_grad"]>]> {
  let summary = "vector-Jacobian product of hrm.attention";
  let description = [{
    Recomputes the projections and the attention probabilities from `input`
    (and `query`), then returns the gradients of the input, the four
    projections and, when given, the query source. Storing only the inputs
    keeps the [heads, seq, seq] probabilities out of the saved activations,
    as flash attention's backward does.

    ```mlir
    %dx, %dq, %dk, %dv, %do = hrm.attention_grad %x, %dy, %wq, %wk, %wv, %wo
        {heads = 4 : i64, mask = 0 : i32}
        : (...) -> (...)
    ```
  }];
  let arguments = (ins Hrm_Activation:$input, Hrm_Activation:$result_grad,
                       Hrm_Matrix:$wq, Hrm_Matrix:$wk, Hrm_Matrix:$wv, Hrm_Matrix:$wo,
                       Optional<Hrm_Activation>:$query,
                       I64Attr:$heads, Hrm_MaskKind:$mask,
                       OptionalAttr<I64Attr>:$prefix_len,
                       OptionalAttr<F64Attr>:$rope_theta);
  let results = (outs Hrm_Activation:$input_grad, Hrm_Matrix:$wq_grad,
                      Hrm_Matrix:$wk_grad, Hrm_Matrix:$wv_grad,
                      Hrm_Matrix:$wo_grad, Optional<Hrm_Activation>:$query_grad);
}

def Hrm_MlpGradOp : Hrm_GradOp<"mlp_grad", [
    AllTypesMatch<["input", "result_grad", "input_grad"]>,
    AllTypesMatch<["up", "up_grad"]>, AllTypesMatch<["down", "down_grad"]>]> {
  let summary = "vector-Jacobian product of hrm.mlp";
  let description = [{
    Recomputes the hidden activation from `input` and returns the gradients
    of the input, the gate projection (SwiGLU only), and the up and down
    projections.
  }];
  let arguments = (ins Hrm_MlpKind:$kind, Hrm_Activation:$input,
                       Hrm_Activation:$result_grad, Optional<Hrm_Matrix>:$gate,
                       Hrm_Matrix:$up, Hrm_Matrix:$down);
  let results = (outs Hrm_Activation:$input_grad,
                      Optional<Hrm_Matrix>:$gate_grad, Hrm_Matrix:$up_grad,
                      Hrm_Matrix:$down_grad);
}

def Hrm_LinearGradOp : Hrm_GradOp<"linear_grad", [
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "vector-Jacobian product of `x W` (or `x W^T` when transposed)";
  let description = [{
    The backward of hrm.linear and hrm.lm_head (`transposed` for a tied
    head, whose weight is the [vocab, d] embedding table).
  }];
  let arguments = (ins Hrm_Activation:$input, Hrm_Matrix:$weight,
                       Hrm_Activation:$result_grad, UnitAttr:$transposed);
  let results = (outs Hrm_Activation:$input_grad, Hrm_Matrix:$weight_grad);
}

def Hrm_EmbedGradOp : Hrm_GradOp<"embed_grad"> {
  let summary = "gradient of an embedding table: rows scattered and summed";
  let description = [{
    `table_grad[v, :] = scale * sum of result_grad[b, s, :] over tokens[b, s] == v`.
  }];
  let arguments = (ins Hrm_Tokens:$tokens, Hrm_Activation:$result_grad,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Hrm_Matrix:$table_grad);
}

def Hrm_CrossEntropyGradOp : Hrm_GradOp<"cross_entropy_grad", [
    AllTypesMatch<["logits", "logits_grad"]>]> {
  let summary = "gradient of the mean cross-entropy with respect to the logits";
  let description = [{
    `scale * loss_grad * (softmax(logits) - onehot(targets)) / (batch * seq)`,
    and 0 with `step` and `tap_steps` where the step is not tapped (times
    the step's weight with `tap_weights`).
  }];
  let arguments = (ins Hrm_Activation:$logits, Hrm_Tokens:$targets,
                       0DTensorOf<[AnyFloat]>:$loss_grad,
                       Optional<Index>:$step,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       OptionalAttr<DenseI64ArrayAttr>:$tap_steps,
                       OptionalAttr<DenseF64ArrayAttr>:$tap_weights);
  let results = (outs Hrm_Activation:$logits_grad);
}

def Hrm_QHeadGradOp : Hrm_GradOp<"q_head_grad", [
    AllTypesMatch<["state", "state_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "vector-Jacobian product of hrm.q_head";
  let description = [{
    The state's gradient is zero except at the head's position.
  }];
  let arguments = (ins Hrm_Activation:$state, Hrm_Matrix:$weight,
                       Hrm_Matrix:$result_grad, UnitAttr:$last);
  let results = (outs Hrm_Activation:$state_grad, Hrm_Matrix:$weight_grad,
                      Hrm_Vector:$bias_grad);
}

def Hrm_HaltLossGradOp : Hrm_GradOp<"halt_loss_grad", [
    AllTypesMatch<["q", "q_grad"]>]> {
  let summary = "gradient of hrm.halt_loss with respect to the head";
  let description = [{
    `q_grad[b, 0] = loss_grad * weight / batch * (sigmoid(q[b, 0]) - correct[b])`,
    `q_grad[b, 1]` likewise against the bootstrapped target.
  }];
  let arguments = (ins Hrm_Matrix:$q, Hrm_Matrix:$next, Hrm_Vector:$correct,
                       TensorRankOf<[I32], [1]>:$last,
                       0DTensorOf<[AnyFloat]>:$loss_grad,
                       DefaultValuedAttr<F64Attr, "0.5">:$weight);
  let results = (outs Hrm_Matrix:$q_grad);
}

def Hrm_ActProbGradOp : Hrm_GradOp<"act_prob_grad", [
    AllTypesMatch<["state", "state_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>,
    AllTypesMatch<["bias", "bias_grad"]>]> {
  let summary = "vector-Jacobian product of hrm.act_prob";
  let description = [{
    Recomputes `p` from the state: `dz = result_grad * p * (1 - p)`, then
    the gradients of the state, the weight and the bias.
  }];
  let arguments = (ins Hrm_Activation:$state, Hrm_Matrix:$weight,
                       Hrm_Vector:$bias, Hrm_Activation:$result_grad);
  let results = (outs Hrm_Activation:$state_grad, Hrm_Matrix:$weight_grad,
                      Hrm_Vector:$bias_grad);
}

def Hrm_ActUpdateGradOp : Hrm_GradOp<"act_update_grad", [
    AllTypesMatch<["p", "halting", "remainders", "new_halting_grad",
                   "new_remainders_grad", "p_grad", "halting_grad",
                   "remainders_grad"]>,
    AllTypesMatch<["transformed", "acc", "new_acc_grad", "transformed_grad",
                   "acc_grad"]>]> {
  let summary = "vector-Jacobian product of hrm.act_update";
  let description = [{
    The masks are recomputed from `p` and `halting` and held constant; with
    `w` the step's weight, `dw = sum over d of d acc' (transformed - acc)`,
    `d transformed = d acc' w`, `d acc = d acc' (1 - w)`, and the gradients
    of `p`, `halting` and `remainders` through the bookkeeping.
  }];
  let arguments = (ins Hrm_Activation:$p, Hrm_Activation:$transformed,
                       Hrm_Activation:$acc, Hrm_Activation:$halting,
                       Hrm_Activation:$remainders,
                       Hrm_Activation:$new_acc_grad,
                       Hrm_Activation:$new_halting_grad,
                       Hrm_Activation:$new_remainders_grad,
                       F64Attr:$threshold);
  let results = (outs Hrm_Activation:$p_grad, Hrm_Activation:$transformed_grad,
                      Hrm_Activation:$acc_grad, Hrm_Activation:$halting_grad,
                      Hrm_Activation:$remainders_grad);
}

def Hrm_PonderCostGradOp : Hrm_GradOp<"ponder_cost_grad", [
    AllTypesMatch<["remainders", "remainders_grad"]>]> {
  let summary = "gradient of hrm.ponder_cost with respect to the remainders";
  let description = [{
    `remainders_grad = loss_grad * weight / (batch * seq)` everywhere.
  }];
  let arguments = (ins Hrm_Activation:$remainders,
                       0DTensorOf<[AnyFloat]>:$loss_grad, F64Attr:$weight);
  let results = (outs Hrm_Activation:$remainders_grad);
}

#endif // HRM_OPS_TD
