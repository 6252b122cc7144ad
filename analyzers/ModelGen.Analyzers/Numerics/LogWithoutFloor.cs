using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers.Numerics
{
    /// <summary>
    /// Whether a method computes a loss — its name, or its type's, says loss, entropy, likelihood, divergence,
    /// perplexity or deviance — and whether its inputs are predictions (a loss, cross-entropy or divergence takes
    /// predicted probabilities; a likelihood takes observations).
    /// </summary>
    internal readonly struct LossContext
    {
        private static readonly string[] LossWords = { "loss", "entropy", "likelihood", "divergence", "perplexity", "deviance" };
        private static readonly string[] PredictionWords = { "loss", "crossentropy", "divergence" };

        public LossContext(ISymbol owner)
        {
            string member = owner is IMethodSymbol { AssociatedSymbol: { } property } ? property.Name : owner.Name;
            string type = owner.ContainingType?.Name ?? "";
            IsLoss = Names(member, LossWords) || Names(type, LossWords);
            TakesPredictions = Names(member, PredictionWords) || Names(type, PredictionWords);
        }

        public bool IsLoss { get; }

        public bool TakesPredictions { get; }

        private static bool Names(string name, string[] words)
        {
            foreach (string word in words)
                if (name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0)
                    return true;
            return false;
        }
    }

    /// <summary>
    /// MG0103: a scalar <c>Log(p)</c> where log 0 = −∞ gives a wrong answer, not merely a −∞ one. Two shapes:
    /// 0·log 0 — the log times a factor that can be 0, with <c>p</c> a probability (x·log x in an entropy,
    /// y·log p in a cross-entropy): NaN; and −∞ into a loss — the log summed or returned in a loss, entropy or
    /// likelihood, of a probability or of the method's input (the predictions): one zero makes the whole loss and
    /// its gradient infinite. Either way, not when <c>p</c> is provably positive (a constant, an <c>Exp</c>, a floor)
    /// or a guard rules 0 out on every path (<see cref="ZeroGuards"/>). A log-probability that is −∞ for an
    /// impossible event is the right answer and is not reported.
    /// </summary>
    internal static class LogWithoutFloor
    {
        /// <summary>The log's argument when the log is reported, else null.</summary>
        public static IOperation? Argument(IInvocationOperation log, BlockValues values, ZeroGuards guards, LossContext context)
        {
            IOperation argument = BlockValues.Unwrap(log.Arguments[0].Value);
            if (values.IsPositive(argument))
                return null;
            bool probability = values.IsProbability(argument) && !values.IsExponentiated(argument);
            List<GuardSubject> subjects = Subjects(argument, values);
            if (Factor(log) is { } factor && MayBeZero(factor, values))
            {
                // 0·log 0: NaN needs the argument at its excluded value and the factor at 0 on one path; a branch that
                // rules out either — or their being equal, which both at zero would be — guards it.
                if (!probability)
                    return null;
                var either = new List<GuardSubject>(subjects);
                either.AddRange(Subjects(factor, values));
                if (Joint(argument, factor) is { } joint)
                    either.Add(joint);
                return guards.IsGuarded(log, either) ? null : argument;
            }
            // −∞ into a loss: an unweighted log (or one scaled by a non-zero constant) summed or returned.
            bool prediction = context.TakesPredictions && BlockValues.ReferencedSymbol(argument) is IParameterSymbol;
            if (!context.IsLoss || !(probability || prediction) || !ReachesLoss(log))
                return null;
            return guards.IsGuarded(log, subjects) ? null : argument;
        }

        /// <summary>
        /// A factor that can be 0: not a non-zero constant or positive value, and not a scalar field or property (a
        /// model's parameter — a scale, a rate — validated where it is set).
        /// </summary>
        private static bool MayBeZero(IOperation factor, BlockValues values)
        {
            if (values.IsNonZero(factor))
                return false;
            IOperation core = BlockValues.Unwrap(factor);
            while (core is IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus)
                core = BlockValues.Unwrap(minus.Operand);
            return core is not (IFieldReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: false });
        }

        /// <summary>
        /// For y·log p (or (1 − y)·log(1 − p)): the subject "p ≠ y" — p and y both at 0 (both at 1) would be equal, so
        /// a branch that leaves them unequal rules the NaN out (<c>if (p == 0 &amp;&amp; p == y) return 0;</c>).
        /// </summary>
        private static GuardSubject? Joint(IOperation argument, IOperation factor)
        {
            (IOperation argumentCore, bool argumentComplement) = Core(argument);
            (IOperation factorCore, bool factorComplement) = Core(factor);
            return argumentComplement == factorComplement ? new GuardSubject(argumentCore, 0, factorCore) : null;
        }

        private static (IOperation Core, bool Complement) Core(IOperation value)
        {
            value = BlockValues.Unwrap(value);
            while (value is IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus)
                value = BlockValues.Unwrap(minus.Operand);
            return value is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract, LeftOperand.ConstantValue: { HasValue: true, Value: { } one } } complement
                   && BlockValues.AsDouble(one) == 1
                ? (BlockValues.Unwrap(complement.RightOperand), true)
                : (value, false);
        }

        /// <summary>What multiplies the log, if anything: <c>f * Log(p)</c> or <c>Log(p) * f</c>.</summary>
        private static IOperation? Factor(IInvocationOperation log)
        {
            IOperation current = log;
            while (current.Parent is IConversionOperation or IParenthesizedOperation or IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus })
                current = current.Parent;
            return current.Parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product
                ? (product.LeftOperand == current ? product.RightOperand : product.LeftOperand)
                : null;
        }

        /// <summary>Whether the log's value is summed (<c>s += …</c>) or returned, through arithmetic.</summary>
        private static bool ReachesLoss(IInvocationOperation log)
        {
            IOperation current = log;
            while (current.Parent is IConversionOperation or IParenthesizedOperation or IUnaryOperation or IBinaryOperation)
                current = current.Parent;
            return current.Parent switch
            {
                ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } => true,
                IReturnOperation => true,
                _ => false,
            };
        }

        /// <summary>
        /// The values whose exclusion guards <c>v</c> against 0: <c>v</c> itself, and what it is made of — for
        /// <c>c·a</c> (c a non-zero constant), <c>a</c>; for a frequency <c>a / b</c> (written out or in a local), its
        /// numerator <c>a</c>; for <c>1 − q</c>, <c>q</c> against 1 (and, when <c>q = a / b</c>, <c>a</c> against <c>b</c>).
        /// </summary>
        private static List<GuardSubject> Subjects(IOperation value, BlockValues values)
        {
            var subjects = new List<GuardSubject>();
            AddSubjects(value, values, subjects, depth: 0);
            return subjects;
        }

        private static void AddSubjects(IOperation value, BlockValues values, List<GuardSubject> subjects, int depth)
        {
            value = BlockValues.Unwrap(value);
            subjects.Add(new GuardSubject(value, 0));
            if (depth > 3)
                return;
            IOperation made = values.SingleDefinition(value) ?? value;
            switch (made)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide } frequency:
                    AddSubjects(frequency.LeftOperand, values, subjects, depth + 1);
                    break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product when product.LeftOperand.ConstantValue.HasValue && values.IsNonZero(product.LeftOperand):
                    AddSubjects(product.RightOperand, values, subjects, depth + 1);
                    break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product when product.RightOperand.ConstantValue.HasValue && values.IsNonZero(product.RightOperand):
                    AddSubjects(product.LeftOperand, values, subjects, depth + 1);
                    break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract, LeftOperand.ConstantValue: { HasValue: true, Value: { } one } } complement
                    when BlockValues.AsDouble(one) is double bound:
                    subjects.Add(new GuardSubject(complement.RightOperand, bound));
                    if (values.SingleDefinition(complement.RightOperand) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide } complementFrequency && bound == 1)
                        subjects.Add(new GuardSubject(complementFrequency.LeftOperand, 0, complementFrequency.RightOperand));
                    break;
            }
        }
    }
}
