using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers.Numerics
{
    /// <summary>
    /// MG0101's hand-written softmax: an <c>Exp</c> whose exponent can be large and positive, summed (<c>s += e</c>,
    /// directly or through the variable or array it was stored in), and then normalized — the stored exps divided by
    /// that sum, or the sum's log taken (log-sum-exp). An exponent that is a difference (<c>x − max</c>, the shift),
    /// provably ≤ 0 (a negated square, a value over a negative constant) or written negated (<c>−β·d</c>, a kernel or
    /// decay) cannot overflow; a sum that the method checks with <c>IsInfinity</c>/<c>IsNaN</c> is handled.
    /// </summary>
    internal static class HandWrittenSoftmax
    {
        public static IEnumerable<IInvocationOperation> OverflowingExps(IEnumerable<IInvocationOperation> exps, BlockValues values)
        {
            var unsafeExps = new HashSet<IOperation>();
            var stored = new Dictionary<ISymbol, List<IInvocationOperation>>(SymbolEqualityComparer.Default);
            var weighted = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (IInvocationOperation exp in exps)
            {
                if (CannotOverflow(exp.Arguments[0].Value, values))
                    continue;
                unsafeExps.Add(exp);
                foreach ((ISymbol holder, bool scaled) in Holders(exp))
                {
                    if (!stored.TryGetValue(holder, out List<IInvocationOperation>? list))
                        stored[holder] = list = new List<IInvocationOperation>();
                    list.Add(exp);
                    if (scaled)
                        weighted.Add(holder);
                }
            }
            if (unsafeExps.Count == 0)
                yield break;
            // Copies carry the exps along: w = Exp(x); p[i] = w.
            foreach ((ISymbol target, IOperation value) in values.Assignments)
                if (BlockValues.ReferencedSymbol(value) is { } source && !SymbolEqualityComparer.Default.Equals(source, target) && stored.TryGetValue(source, out List<IInvocationOperation>? copied))
                {
                    if (!stored.TryGetValue(target, out List<IInvocationOperation>? list))
                        stored[target] = list = new List<IInvocationOperation>();
                    list.AddRange(copied);
                    if (weighted.Contains(source))
                        weighted.Add(target);
                }

            // Sums of exps, and which of them are sums of bare exps (Σ exp(x), not Σ w·exp(x)).
            var sums = new Dictionary<ISymbol, List<IInvocationOperation>>(SymbolEqualityComparer.Default);
            var weightedSums = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach ((ISymbol accumulator, IOperation term, bool subtracts) in values.Accumulations)
            {
                if (subtracts)
                    continue;
                var feeding = new List<IInvocationOperation>();
                foreach (IOperation part in term.DescendantsAndSelf())
                {
                    if (part is IInvocationOperation invocation && unsafeExps.Contains(invocation))
                        feeding.Add(invocation);
                    else if (BlockValues.ReferencedSymbol(part) is { } source && stored.TryGetValue(source, out List<IInvocationOperation>? storedExps))
                        feeding.AddRange(storedExps);
                }
                if (feeding.Count == 0)
                    continue;
                if (!sums.TryGetValue(accumulator, out List<IInvocationOperation>? all))
                    sums[accumulator] = all = new List<IInvocationOperation>();
                all.AddRange(feeding);
                if (!IsBareExp(term, unsafeExps, stored, weighted))
                    weightedSums.Add(accumulator);
            }
            if (sums.Count == 0)
                yield break;

            // Normalized: the stored exps divided by their sum (softmax), or the log of a sum of bare exps (log-sum-exp).
            var normalized = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach ((IOperation numerator, IOperation denominator) in values.Divisions)
                foreach (ISymbol sum in SumsIn(denominator, sums))
                    if (HoldsExp(numerator, unsafeExps, stored))
                        normalized.Add(sum);
            foreach (IInvocationOperation invocation in values.Invocations)
                if (invocation.TargetMethod.Name == "Log" && invocation.Arguments.Length == 1
                    && BlockValues.ReferencedSymbol(invocation.Arguments[0].Value) is { } logged && sums.ContainsKey(logged) && !weightedSums.Contains(logged))
                    normalized.Add(logged);
            // A sum the method tests for overflow (IsInfinity, IsNaN, IsFinite) is handled by the author.
            foreach (IInvocationOperation invocation in values.Invocations)
                if (invocation.TargetMethod.Name is "IsInfinity" or "IsPositiveInfinity" or "IsNaN" or "IsFinite" or "IsNormal" && invocation.Arguments.Length == 1
                    && BlockValues.ReferencedSymbol(invocation.Arguments[0].Value) is { } checkedSum)
                    normalized.Remove(checkedSum);

            var reported = new HashSet<IInvocationOperation>();
            foreach (ISymbol sum in normalized)
                foreach (IInvocationOperation exp in sums[sum])
                    if (reported.Add(exp))
                        yield return exp;
        }

        /// <summary>An exponent that cannot be large and positive: a shift, provably ≤ 0, or written as a negation.</summary>
        private static bool CannotOverflow(IOperation exponent, BlockValues values)
        {
            exponent = BlockValues.Unwrap(exponent);
            if (exponent is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract })
                return true;
            if ((values.Sign(exponent) & ValueSign.Positive) == 0)
                return true;
            IOperation leading = exponent;
            while (leading is IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide } product)
                leading = BlockValues.Unwrap(product.LeftOperand);
            return leading is IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus }
                || (leading.ConstantValue is { HasValue: true, Value: { } constant } && BlockValues.AsDouble(constant) < 0);
        }

        /// <summary>
        /// The variables (or arrays) an exp's value is stored in — <c>e = Exp(…)</c>, <c>p[i] = w * Exp(…)</c>, chained
        /// assignments — and whether it was scaled on the way.
        /// </summary>
        private static IEnumerable<(ISymbol Holder, bool Scaled)> Holders(IInvocationOperation exp)
        {
            IOperation current = exp;
            bool scaled = false;
            while (current.Parent is { } parent)
            {
                switch (parent)
                {
                    case IConversionOperation or IParenthesizedOperation:
                        current = parent;
                        continue;
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply }:
                        scaled = true;
                        current = parent;
                        continue;
                    case ISimpleAssignmentOperation assignment when assignment.Value == current:
                        if (BlockValues.ReferencedSymbol(assignment.Target) is { } target)
                            yield return (target, scaled);
                        current = parent;
                        continue;
                    case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                        yield return (declarator.Symbol, scaled);
                        yield break;
                    default:
                        yield break;
                }
            }
        }

        private static IEnumerable<ISymbol> SumsIn(IOperation denominator, Dictionary<ISymbol, List<IInvocationOperation>> sums)
        {
            foreach (IOperation part in denominator.DescendantsAndSelf())
                if (BlockValues.ReferencedSymbol(part) is { } symbol && sums.ContainsKey(symbol))
                    yield return symbol;
        }

        /// <summary>A term that is an exp by itself: <c>Exp(x)</c>, <c>p[i] = Exp(x)</c>, or a variable holding only unscaled exps.</summary>
        private static bool IsBareExp(IOperation term, HashSet<IOperation> unsafeExps, Dictionary<ISymbol, List<IInvocationOperation>> stored, HashSet<ISymbol> weighted)
        {
            term = BlockValues.Unwrap(term);
            if (term is ISimpleAssignmentOperation assignment)
                term = BlockValues.Unwrap(assignment.Value);
            if (unsafeExps.Contains(term))
                return true;
            return BlockValues.ReferencedSymbol(term) is { } symbol && stored.ContainsKey(symbol) && !weighted.Contains(symbol);
        }

        private static bool HoldsExp(IOperation numerator, HashSet<IOperation> unsafeExps, Dictionary<ISymbol, List<IInvocationOperation>> stored)
        {
            foreach (IOperation part in numerator.DescendantsAndSelf())
                if ((part is IInvocationOperation && unsafeExps.Contains(part))
                    || (BlockValues.ReferencedSymbol(part) is { } symbol && stored.ContainsKey(symbol)))
                    return true;
            return false;
        }
    }
}
