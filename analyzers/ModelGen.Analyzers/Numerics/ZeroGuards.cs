using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers.Numerics
{
    /// <summary>
    /// A value a guard can rule out: the guarded expression (matched by symbol or by source text) and the value it
    /// must not equal — a number (0 for <c>p</c>; 1 for the <c>p</c> of <c>1 − p</c>) or another expression (the
    /// total of <c>count / total</c>, ruled out by <c>count == total</c>).
    /// </summary>
    internal readonly struct GuardSubject
    {
        public GuardSubject(IOperation value, double excluded, IOperation? excludedValue = null)
        {
            Text = BlockValues.Text(value);
            Excluded = excluded;
            ExcludedText = excludedValue is null ? null : BlockValues.Text(excludedValue);
        }

        public string Text { get; }

        public double Excluded { get; }

        public string? ExcludedText { get; }
    }

    /// <summary>
    /// Guards found by control flow: a site is guarded when every path from the method's entry to it leaves some
    /// branch on the side whose condition rules the subject's value out — <c>if (p == 0) return;</c>,
    /// <c>if (count == 0 || count == total) continue;</c>, <c>if (p &gt; 0) …</c>, <c>p &lt; ε ? 0 : …</c>.
    /// Uses Roslyn's control-flow graph (short-circuit conditions arrive split into one comparison per branch).
    /// </summary>
    internal sealed class ZeroGuards
    {
        private readonly Func<IOperation, ControlFlowGraph?> graphOf;
        private readonly BlockValues values;
        private readonly ImmutableArray<IOperation> blocks;

        /// <param name="blocks">The analyzed operation blocks: a site's graph is its block's.</param>
        public ZeroGuards(ImmutableArray<IOperation> blocks, Func<IOperation, ControlFlowGraph?> graphOf, BlockValues values)
        {
            this.blocks = blocks;
            this.graphOf = graphOf;
            this.values = values;
        }

        /// <summary>
        /// True when <paramref name="site"/> is reached only through branches that rule out one of the subjects, or
        /// the method asserts a condition that does (<c>Assert(p &gt; 0)</c>, <c>Check(0 &lt; p &amp;&amp; p &lt; 1)</c>: the
        /// author states the domain, whether or not the check survives a release build).
        /// </summary>
        public bool IsGuarded(IOperation site, IReadOnlyList<GuardSubject> subjects)
        {
            foreach (IInvocationOperation invocation in values.Invocations)
                if (IsAssertion(invocation.TargetMethod.Name))
                    foreach (IArgumentOperation argument in invocation.Arguments)
                        if (argument.Parameter?.Type.SpecialType == SpecialType.System_Boolean && Asserts(argument.Value, subjects))
                            return true;

            IOperation? root = site;
            while (root is not null && !blocks.Contains(root))
                root = root.Parent;
            if (root is null || graphOf(root) is not { } graph || Locate(graph, site.Syntax) is not var (siteGraph, target))
                return false;

            var seen = new HashSet<int>();
            var pending = new Stack<BasicBlock>();
            pending.Push(siteGraph.Blocks[0]);
            while (pending.Count > 0)
            {
                BasicBlock block = pending.Pop();
                if (!seen.Add(block.Ordinal))
                    continue;
                if (block.Ordinal == target.Ordinal)
                    return false;
                if (block.ConditionKind == ControlFlowConditionKind.None || block.BranchValue is null)
                {
                    if (block.FallThroughSuccessor?.Destination is { } next)
                        pending.Push(next);
                    continue;
                }
                bool conditionalTruth = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                if (block.ConditionalSuccessor?.Destination is { } taken && !RulesOut(block.BranchValue, conditionalTruth, subjects))
                    pending.Push(taken);
                if (block.FallThroughSuccessor?.Destination is { } otherwise && !RulesOut(block.BranchValue, !conditionalTruth, subjects))
                    pending.Push(otherwise);
            }
            return true;
        }

        private static bool IsAssertion(string name) => name is "Assert" or "Check" or "CheckParam" or "Requires" or "CheckValue" or "Expects";

        /// <summary>Whether an asserted condition (a comparison, or a conjunction of them) rules out a subject.</summary>
        private bool Asserts(IOperation condition, IReadOnlyList<GuardSubject> subjects)
        {
            condition = BlockValues.Unwrap(condition);
            if (condition is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.And } both)
                return Asserts(both.LeftOperand, subjects) || Asserts(both.RightOperand, subjects);
            return condition.Type?.SpecialType == SpecialType.System_Boolean && RulesOut(condition, truth: true, subjects);
        }

        /// <summary>The graph (the method's, or a lambda's inside it) and the block that evaluates <paramref name="site"/>.</summary>
        private static (ControlFlowGraph, BasicBlock)? Locate(ControlFlowGraph graph, SyntaxNode site)
        {
            foreach (BasicBlock block in graph.Blocks)
            {
                foreach (IOperation operation in Operations(block))
                {
                    if (!operation.Syntax.Span.Contains(site.Span))
                        continue;
                    foreach (IOperation part in operation.DescendantsAndSelf())
                    {
                        if (part.Syntax == site)
                            return (graph, block);
                        if (part is IFlowAnonymousFunctionOperation lambda && lambda.Syntax.Span.Contains(site.Span)
                            && Locate(graph.GetAnonymousFunctionControlFlowGraph(lambda), site) is { } inner)
                            return inner;
                    }
                }
            }
            return null;
        }

        private static IEnumerable<IOperation> Operations(BasicBlock block)
        {
            foreach (IOperation operation in block.Operations)
                yield return operation;
            if (block.BranchValue is not null)
                yield return block.BranchValue;
        }

        /// <summary>Whether the branch condition having value <paramref name="truth"/> rules out a subject's excluded value.</summary>
        private bool RulesOut(IOperation condition, bool truth, IReadOnlyList<GuardSubject> subjects)
        {
            condition = BlockValues.Unwrap(condition);
            if (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
                return RulesOut(not.Operand, !truth, subjects);
            if (condition is not IBinaryOperation comparison || Relation(comparison.OperatorKind) is not { } relation)
                return false;
            string left = BlockValues.Text(comparison.LeftOperand), right = BlockValues.Text(comparison.RightOperand);
            foreach (GuardSubject subject in subjects)
            {
                IOperation other;
                BinaryOperatorKind holds;
                if (left == subject.Text) { other = comparison.RightOperand; holds = relation; }
                else if (right == subject.Text) { other = comparison.LeftOperand; holds = Mirror(relation); }
                else continue;
                if (!truth)
                    holds = Negate(holds);
                if (subject.ExcludedText is { } excludedText)
                {
                    if (BlockValues.Text(other) == excludedText && holds is BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan or BinaryOperatorKind.GreaterThan)
                        return true;
                    continue;
                }
                if (Bound(other) is not double bound)
                    continue;
                double z = subject.Excluded;
                // "subject holds bound" leaves z out when z fails the relation for every value the bound may take.
                bool rulesOut = holds switch
                {
                    BinaryOperatorKind.NotEquals => bound == z,
                    BinaryOperatorKind.Equals => bound != z,
                    BinaryOperatorKind.GreaterThan => bound >= z,
                    BinaryOperatorKind.GreaterThanOrEqual => bound > z,
                    BinaryOperatorKind.LessThan => bound <= z,
                    BinaryOperatorKind.LessThanOrEqual => bound < z,
                    _ => false,
                };
                if (rulesOut)
                    return true;
            }
            return false;
        }

        /// <summary>A comparison's other side as a number: a constant, or a small positive tolerance (ε, tol, min…).</summary>
        private double? Bound(IOperation other)
        {
            IOperation value = BlockValues.Unwrap(other);
            if (value.ConstantValue is { HasValue: true, Value: { } constant })
                return BlockValues.AsDouble(constant);
            string? name = BlockValues.ReferencedSymbol(value)?.Name;
            bool tolerance = name is not null && (Contains(name, "eps") || Contains(name, "tol") || Contains(name, "tiny") || Contains(name, "min"));
            return tolerance || values.IsPositive(value) ? double.Epsilon : null;
        }

        private static bool Contains(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

        private static BinaryOperatorKind? Relation(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual
                or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual => kind,
            _ => null,
        };

        private static BinaryOperatorKind Mirror(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
            _ => kind,
        };

        private static BinaryOperatorKind Negate(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.Equals => BinaryOperatorKind.NotEquals,
            BinaryOperatorKind.NotEquals => BinaryOperatorKind.Equals,
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThanOrEqual,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThan,
            _ => kind,
        };
    }
}
