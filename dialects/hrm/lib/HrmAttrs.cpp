//===- HrmAttrs.cpp - hrm enums and attributes ----------------------------===//
#include "hrm/HrmAttrs.h"
#include "hrm/HrmDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::hrm;

#include "hrm/HrmEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "hrm/HrmAttrs.cpp.inc"

void HrmDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "hrm/HrmAttrs.cpp.inc"
      >();
}

namespace {
/// Parses `keyword` into an enum with `symbolize`, or reports what was
/// expected.
template <typename EnumT>
FailureOr<EnumT> parseEnumKeyword(AsmParser &parser, StringRef what,
                                  std::optional<EnumT> (*symbolize)(StringRef),
                                  StringRef choices) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<EnumT> value = symbolize(keyword);
  if (!value)
    return parser.emitError(loc) << "unknown " << what << " '" << keyword
                                 << "', expected one of: " << choices;
  return *value;
}

/// Parses an optional `(integer)` suffix; `required` says whether the kind
/// just parsed takes one.
ParseResult parseCount(AsmParser &parser, bool required, StringRef kind,
                       int64_t &count) {
  count = 0;
  if (!required)
    return success();
  if (failed(parser.parseOptionalLParen()))
    return parser.emitError(parser.getCurrentLocation())
           << "'" << kind << "' takes a step count in parentheses";
  return failure(parser.parseInteger(count) || parser.parseRParen());
}

bool takesWindow(GradKind grad) {
  return grad == GradKind::truncated || grad == GradKind::slow_first;
}
} // namespace

//===----------------------------------------------------------------------===//
// InitAttr
//===----------------------------------------------------------------------===//

static bool initTakesStd(InitKind kind) {
  return kind == InitKind::normal || kind == InitKind::trunc_normal;
}

/// normal(std), trunc_normal(std) and constant(value) take a number.
static bool initTakesNumber(InitKind kind) {
  return initTakesStd(kind) || kind == InitKind::constant;
}

Attribute InitAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  FailureOr<InitKind> kind = parseEnumKeyword<InitKind>(
      parser, "init kind", symbolizeInitKind,
      "normal(std), trunc_normal(std), zeros, ones, constant(value)");
  if (failed(kind))
    return {};
  double std = 0.0;
  if (initTakesNumber(*kind) &&
      (parser.parseLParen() || parser.parseFloat(std) || parser.parseRParen()))
    return {};
  if (parser.parseGreater())
    return {};
  return parser.getChecked<InitAttr>(parser.getContext(), *kind,
                                     llvm::APFloat(std));
}

void InitAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyInitKind(getKind());
  if (initTakesNumber(getKind()))
    printer << "(" << getStd().convertToDouble() << ")";
  printer << ">";
}

LogicalResult InitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               InitKind kind, llvm::APFloat stdDev) {
  double std = stdDev.convertToDouble();
  if (initTakesStd(kind) && !(std > 0.0))
    return emitError() << "init " << stringifyInitKind(kind)
                       << " needs a positive standard deviation, got " << std;
  if (!initTakesNumber(kind) && std != 0.0)
    return emitError() << "init " << stringifyInitKind(kind)
                       << " takes no standard deviation";
  return success();
}

//===----------------------------------------------------------------------===//
// ScheduleAttr
//===----------------------------------------------------------------------===//

Attribute ScheduleAttr::parse(AsmParser &parser, Type) {
  int64_t factor = 0, gradSteps = 0;
  if (parser.parseLess() || parser.parseKeyword("unroll") ||
      parser.parseEqual())
    return {};
  FailureOr<UnrollKind> unroll = parseEnumKeyword<UnrollKind>(
      parser, "unroll schedule", symbolizeUnrollKind,
      "rolled, factor(k), full");
  if (failed(unroll) ||
      parseCount(parser, *unroll == UnrollKind::factor, "factor", factor) ||
      parser.parseComma() || parser.parseKeyword("grad") ||
      parser.parseEqual())
    return {};
  FailureOr<GradKind> grad =
      parseEnumKeyword<GradKind>(parser, "gradient schedule", symbolizeGradKind,
                                 "full, truncated(k), one_step, slow_first(k)");
  if (failed(grad) ||
      parseCount(parser, takesWindow(*grad), stringifyGradKind(*grad),
                 gradSteps) ||
      parser.parseComma() || parser.parseKeyword("memory") ||
      parser.parseEqual())
    return {};
  FailureOr<MemoryPolicy> memory = parseEnumKeyword<MemoryPolicy>(
      parser, "memory policy", symbolizeMemoryPolicy, "keep, recompute");
  if (failed(memory) || parser.parseGreater())
    return {};
  return parser.getChecked<ScheduleAttr>(parser.getContext(), *unroll, factor,
                                         *grad, gradSteps, *memory);
}

void ScheduleAttr::print(AsmPrinter &printer) const {
  printer << "<unroll = " << stringifyUnrollKind(getUnroll());
  if (getUnroll() == UnrollKind::factor)
    printer << "(" << getUnrollFactor() << ")";
  printer << ", grad = " << stringifyGradKind(getGrad());
  if (takesWindow(getGrad()))
    printer << "(" << getGradSteps() << ")";
  printer << ", memory = " << stringifyMemoryPolicy(getMemory()) << ">";
}

LogicalResult
ScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                     UnrollKind unroll, int64_t unrollFactor, GradKind grad,
                     int64_t gradSteps, MemoryPolicy) {
  if (unroll == UnrollKind::factor && unrollFactor < 1)
    return emitError() << "unroll factor must be >= 1, got " << unrollFactor;
  if (unroll != UnrollKind::factor && unrollFactor != 0)
    return emitError() << "only unroll = factor(k) takes a factor";
  if (grad == GradKind::truncated && gradSteps < 1)
    return emitError() << "truncated gradient window must be >= 1, got "
                       << gradSteps;
  if (grad == GradKind::slow_first && gradSteps < 2)
    return emitError() << "slow_first gradient window must be >= 2 (one "
                          "slow and one fast application), got "
                       << gradSteps;
  if (!takesWindow(grad) && gradSteps != 0)
    return emitError()
           << "only grad = truncated(k) and slow_first(k) take a window";
  return success();
}

std::string mlir::hrm::diagnoseLoopSchedule(
    UnrollKind unroll, int64_t unrollFactor, GradKind grad, int64_t gradSteps,
    int64_t cycles, StringRef cyclesName, int64_t cycleLength,
    int64_t applications) {
  std::string message;
  llvm::raw_string_ostream os(message);
  if (unroll == UnrollKind::factor) {
    if (unrollFactor % cycleLength != 0)
      os << "unroll factor " << unrollFactor << " is not a multiple of T = "
         << cycleLength << " (an unrolled step must hold whole slow cycles)";
    else if (cycles % (unrollFactor / cycleLength) != 0)
      os << "unroll factor " << unrollFactor << " does not divide "
         << cyclesName << " = " << cycles;
  }
  if (message.empty() && takesWindow(grad) && gradSteps > applications)
    os << stringifyGradKind(grad) << " gradient window " << gradSteps
       << " exceeds the " << applications << " module applications of the loop";
  return message;
}

std::string ScheduleAttr::diagnoseLoop(int64_t cycles, StringRef cyclesName,
                                       int64_t cycleLength,
                                       int64_t applications) const {
  return diagnoseLoopSchedule(getUnroll(), getUnrollFactor(), getGrad(),
                              getGradSteps(), cycles, cyclesName, cycleLength,
                              applications);
}

int64_t mlir::hrm::gradientApplications(GradKind grad, int64_t gradSteps,
                                        int64_t total,
                                        int64_t distinctModules) {
  switch (grad) {
  case GradKind::full:
    return total;
  case GradKind::truncated:
  case GradKind::slow_first:
    return std::min(gradSteps, total);
  case GradKind::one_step:
    return std::min(distinctModules, total);
  }
  llvm_unreachable("unknown gradient schedule");
}

SlowFirstSplit mlir::hrm::slowFirstSplit(int64_t k, int64_t n, int64_t t) {
  int64_t slow = std::clamp<int64_t>(k - 1, 0, n);
  return {std::min(k - slow, n * t), slow};
}

int64_t ScheduleAttr::gradientApplications(int64_t total,
                                           int64_t distinctModules) const {
  return mlir::hrm::gradientApplications(getGrad(), getGradSteps(), total,
                                         distinctModules);
}
