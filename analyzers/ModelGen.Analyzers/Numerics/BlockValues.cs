using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers.Numerics
{
    /// <summary>What a value can be: able to be positive, able to be negative, both (unknown), or neither (zero).</summary>
    [Flags]
    internal enum ValueSign
    {
        Zero = 0,
        Positive = 1,
        Negative = 2,
        Any = Positive | Negative,
    }

    /// <summary>
    /// Facts about the values of one method body (operation block), read from its operation tree: every write to a
    /// local or to an element of an array, which symbols are accumulated into (<c>s += …</c>), and from those the sign,
    /// the positivity and the "is a probability" evidence of an expression. Locals are followed through their
    /// definitions (all of them, flow-insensitively: a value is known only when every write agrees); parameters,
    /// fields and anything passed by <c>ref</c>/<c>out</c> are unknown.
    /// </summary>
    internal sealed class BlockValues
    {
        private readonly Dictionary<ISymbol, List<(IOperation Value, BinaryOperatorKind Compound)>> writes = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ISymbol> opaque = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ISymbol> visiting = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ISymbol> floored = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, IOperation> elementOf = new(SymbolEqualityComparer.Default);

        public List<IInvocationOperation> Invocations { get; } = new();

        /// <summary>Symbols written with <c>+=</c>, <c>-=</c> or <c>s = s + …</c>: sums.</summary>
        public HashSet<ISymbol> Accumulators { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Every simple assignment to a variable or an element: (target, value).</summary>
        public List<(ISymbol Target, IOperation Value)> Assignments { get; } = new();

        /// <summary>Every <c>/</c> and <c>/=</c> of the block: (numerator, or the divided target; denominator).</summary>
        public List<(IOperation Numerator, IOperation Denominator)> Divisions { get; } = new();

        /// <summary>Every <c>+=</c>/<c>-=</c> (and <c>s = s ± …</c>) of the block: (accumulator, added or subtracted value, which).</summary>
        public List<(ISymbol Accumulator, IOperation Term, bool Subtracts)> Accumulations { get; } = new();

        public static BlockValues Collect(ImmutableArray<IOperation> roots)
        {
            var values = new BlockValues();
            foreach (IOperation root in roots)
                foreach (IOperation operation in root.DescendantsAndSelf())
                    values.Visit(operation);
            return values;
        }

        private void Visit(IOperation operation)
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    Invocations.Add(invocation);
                    break;
                case IVariableDeclaratorOperation declarator when declarator.GetVariableInitializer() is { } initializer:
                    Write(declarator.Symbol, initializer.Value, BinaryOperatorKind.None);
                    break;
                case ISimpleAssignmentOperation assignment:
                    if (ReferencedSymbol(assignment.Target) is not { } target)
                        break;
                    Write(target, assignment.Value, BinaryOperatorKind.None);
                    Assignments.Add((target, assignment.Value));
                    if (Unwrap(assignment.Value) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } sum
                        && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(sum.LeftOperand), target))
                    {
                        Accumulators.Add(target);
                        Accumulations.Add((target, sum.RightOperand, sum.OperatorKind == BinaryOperatorKind.Subtract));
                    }
                    break;
                case ICompoundAssignmentOperation compound:
                    if (ReferencedSymbol(compound.Target) is { } accumulator)
                    {
                        Write(accumulator, compound.Value, compound.OperatorKind);
                        if (compound.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract)
                        {
                            Accumulators.Add(accumulator);
                            Accumulations.Add((accumulator, compound.Value, compound.OperatorKind == BinaryOperatorKind.Subtract));
                        }
                    }
                    if (compound.OperatorKind == BinaryOperatorKind.Divide)
                        Divisions.Add((compound.Target, compound.Value));
                    break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide } division:
                    Divisions.Add((division.LeftOperand, division.RightOperand));
                    break;
                case IForEachLoopOperation { LoopControlVariable: IVariableDeclaratorOperation element } loop:
                    elementOf[element.Symbol] = loop.Collection;
                    break;
                case IIncrementOrDecrementOperation step when ReferencedSymbol(step.Target) is { } stepped:
                    opaque.Add(stepped);
                    break;
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } byReference when ReferencedSymbol(byReference.Value) is { } written:
                    opaque.Add(written);
                    if (byReference.Parent is IInvocationOperation { TargetMethod.Name: var clamp } && (Contains(clamp, "Clamp") || Contains(clamp, "Floor") || Contains(clamp, "Max")))
                        floored.Add(written);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    foreach (IOperation part in deconstruction.Target.DescendantsAndSelf())
                        if (ReferencedSymbol(part) is { } deconstructed)
                            opaque.Add(deconstructed);
                    break;
            }
        }

        private void Write(ISymbol symbol, IOperation value, BinaryOperatorKind compound)
        {
            if (!writes.TryGetValue(symbol, out var list))
                writes[symbol] = list = new();
            list.Add((value, compound));
        }

        /// <summary>The values written to a local (and its elements), or null when it is not a local or not fully known.</summary>
        private List<(IOperation Value, BinaryOperatorKind Compound)>? KnownWrites(ISymbol? symbol)
            => symbol is ILocalSymbol && !opaque.Contains(symbol) && writes.TryGetValue(symbol, out var list) ? list : null;

        /// <summary>The one value a local is defined by, when it is written exactly once.</summary>
        public IOperation? SingleDefinition(IOperation reference)
            => Unwrap(reference) is ILocalReferenceOperation local && KnownWrites(local.Local) is { Count: 1 } list && list[0].Compound == BinaryOperatorKind.None
                ? Unwrap(list[0].Value)
                : null;

        public ValueSign Sign(IOperation operation)
        {
            operation = Unwrap(operation);
            if (operation.ConstantValue is { HasValue: true, Value: { } constant } && AsDouble(constant) is double number)
                return double.IsNaN(number) ? ValueSign.Any : number > 0 ? ValueSign.Positive : number < 0 ? ValueSign.Negative : ValueSign.Zero;
            switch (operation)
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus:
                    return Flip(Sign(minus.Operand));
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus } plus:
                    return Sign(plus.Operand);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add:
                    return Sign(add.LeftOperand) | Sign(add.RightOperand);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } subtract:
                    return Sign(subtract.LeftOperand) | Flip(Sign(subtract.RightOperand));
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply }:
                    return ProductSign(operation);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide } divide:
                    return Times(Sign(divide.LeftOperand), Sign(divide.RightOperand));
                case IInvocationOperation invocation:
                    return InvocationSign(invocation);
                case IPropertyReferenceOperation { Property.Name: "Length" or "Count" or "LongLength" }:
                    return ValueSign.Positive;
                case IArrayCreationOperation { Initializer: null }:
                    return ValueSign.Zero;
                case IArrayCreationOperation { Initializer: { } elements }:
                    ValueSign all = ValueSign.Zero;
                    foreach (IOperation element in elements.ElementValues)
                        all |= Sign(element);
                    return all;
                case ILocalReferenceOperation or IArrayElementReferenceOperation:
                    return SymbolSign(ReferencedSymbol(operation));
                default:
                    return ValueSign.Any;
            }
        }

        /// <summary>A product, with repeated factors (<c>d * d</c>, <c>-beta * d * d</c>) counted as squares.</summary>
        private ValueSign ProductSign(IOperation product)
        {
            var factors = new List<IOperation>();
            Factors(product, factors);
            var counts = new Dictionary<string, (IOperation Factor, int Count)>(StringComparer.Ordinal);
            foreach (IOperation factor in factors)
            {
                string key = Text(factor);
                counts[key] = counts.TryGetValue(key, out var seen) ? (seen.Factor, seen.Count + 1) : (factor, 1);
            }
            ValueSign sign = ValueSign.Positive;
            foreach ((IOperation factor, int count) in counts.Values)
                sign = Times(sign, count % 2 == 0 ? ValueSign.Positive : Sign(factor));
            return sign;
        }

        private static void Factors(IOperation operation, List<IOperation> factors)
        {
            operation = Unwrap(operation);
            if (operation is IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product)
            {
                Factors(product.LeftOperand, factors);
                Factors(product.RightOperand, factors);
            }
            else factors.Add(operation);
        }

        private ValueSign InvocationSign(IInvocationOperation invocation)
        {
            string name = invocation.TargetMethod.Name;
            switch (name)
            {
                case "Abs" or "Sqrt" or "Exp" or "Exp2" or "Exp10" or "Cosh" or "Hypot" or "Sqr" or "Square" or "Count" or "LongCount":
                    return ValueSign.Positive;
                case "Pow" when invocation.Arguments.Length == 2:
                    if (invocation.Arguments[1].Value.ConstantValue is { HasValue: true, Value: { } power } && AsDouble(power) is double p && p % 2 == 0)
                        return ValueSign.Positive;
                    return (Sign(invocation.Arguments[0].Value) & ValueSign.Negative) == 0 ? ValueSign.Positive : ValueSign.Any;
                case "Max" or "MaxNumber" when invocation.Arguments.Length == 2:
                {
                    ValueSign a = Sign(invocation.Arguments[0].Value), b = Sign(invocation.Arguments[1].Value);
                    return (a | b) & ValueSign.Positive | (a & b & ValueSign.Negative);
                }
                case "Min" or "MinNumber" when invocation.Arguments.Length == 2:
                {
                    ValueSign a = Sign(invocation.Arguments[0].Value), b = Sign(invocation.Arguments[1].Value);
                    return (a | b) & ValueSign.Negative | (a & b & ValueSign.Positive);
                }
                default:
                    return ValueSign.Any;
            }
        }

        private ValueSign SymbolSign(ISymbol? symbol)
        {
            if (KnownWrites(symbol) is not { } list || !visiting.Add(symbol!))
                return ValueSign.Any;
            ValueSign sign = ValueSign.Zero;
            foreach ((IOperation value, BinaryOperatorKind compound) in list)
                sign |= compound switch
                {
                    BinaryOperatorKind.None or BinaryOperatorKind.Add => Sign(value),
                    BinaryOperatorKind.Subtract => Flip(Sign(value)),
                    _ => ValueSign.Any,
                };
            visiting.Remove(symbol!);
            return sign;
        }

        /// <summary>
        /// Provably greater than zero: a positive constant, an <c>Exp</c>, a floor (<c>Max</c>/<c>Clamp</c> with a
        /// positive bound, <c>x + ε</c>; a variable passed by <c>ref</c> to a Clamp/Floor/Max method), a conditional
        /// that picks a value, or a local every write of which is one.
        /// </summary>
        public bool IsPositive(IOperation operation)
        {
            operation = Unwrap(operation);
            if (operation.ConstantValue is { HasValue: true, Value: { } constant } && AsDouble(constant) is double number)
                return number > 0;
            if (ReferencedSymbol(operation) is { } clamped && floored.Contains(clamped))
                return true;
            switch (operation)
            {
                case IInvocationOperation { TargetMethod.Name: "Exp" or "Exp2" or "Exp10" or "Cosh" }:
                    return true;
                case IInvocationOperation { TargetMethod.Name: "Max" or "MaxNumber" or "MaxMagnitude", Arguments.Length: 2 } max:
                    return IsPositive(max.Arguments[0].Value) || IsPositive(max.Arguments[1].Value);
                case IInvocationOperation { TargetMethod.Name: "Clamp", Arguments.Length: 3 } clamp:
                    return IsPositive(clamp.Arguments[1].Value);
                case IInvocationOperation { TargetMethod.Name: "Sqrt" or "Abs" } root:
                    return root.Arguments.Length == 1 && IsPositive(root.Arguments[0].Value);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add:
                    return (IsPositive(add.LeftOperand) && (Sign(add.RightOperand) & ValueSign.Negative) == 0)
                        || (IsPositive(add.RightOperand) && (Sign(add.LeftOperand) & ValueSign.Negative) == 0);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide } product:
                    return IsPositive(product.LeftOperand) && IsPositive(product.RightOperand);
                case IConditionalOperation:
                    return true;
                case IFieldReferenceOperation { Field.Name: "PI" or "E" or "Epsilon" or "Tau" or "MaxValue" }:
                    return true;
                case ILocalReferenceOperation local:
                {
                    if (KnownWrites(local.Local) is not { } list || !visiting.Add(local.Local))
                        return false;
                    bool all = true;
                    foreach ((IOperation value, BinaryOperatorKind compound) in list)
                        all &= compound is BinaryOperatorKind.None or BinaryOperatorKind.Multiply ? IsPositive(value) : compound == BinaryOperatorKind.Add && (Sign(value) & ValueSign.Negative) == 0;
                    visiting.Remove(local.Local);
                    return all;
                }
                default:
                    return false;
            }
        }

        /// <summary>Provably not zero: positive, or a negative constant, or the negation of either.</summary>
        public bool IsNonZero(IOperation operation)
        {
            operation = Unwrap(operation);
            if (operation.ConstantValue is { HasValue: true, Value: { } constant } && AsDouble(constant) is double number)
                return number != 0;
            return operation switch
            {
                IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus => IsNonZero(minus.Operand),
                IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide } product => IsNonZero(product.LeftOperand) && IsNonZero(product.RightOperand),
                _ => IsPositive(operation),
            };
        }

        /// <summary>
        /// Whether a value is a probability that can be exactly 0. A local is judged by what it is assigned: a
        /// frequency (something divided by a sum, total or count), a ratio p / q of a probability, a sigmoid <c>1/(1 + Exp(…))</c>, the result of a
        /// softmax/probability/density function, a complement <c>1 − p</c>, a product with a probability. A method
        /// parameter or an element of an array (or of the collection a <c>foreach</c> walks) is judged by its name (<c>p</c>, <c>q</c>, <c>prob…</c>, <c>pred…</c>,
        /// <c>pmf</c>, <c>pdf</c>). A scalar field or property is a model's parameter, validated where it is set, and is
        /// not taken for a probability by its name.
        /// </summary>
        public bool IsProbability(IOperation operation)
        {
            operation = Unwrap(operation);
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract, LeftOperand.ConstantValue: { HasValue: true, Value: { } one } } complement
                    when AsDouble(one) == 1:
                    return IsProbability(complement.RightOperand);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide } division:
                    return IsSigmoid(division) || (!IsPositive(division.LeftOperand) && IsNormalizer(division.RightOperand))
                        || (Unwrap(division.LeftOperand) is not IBinaryOperation && IsProbability(division.LeftOperand));
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } product:
                    return IsProbability(product.LeftOperand) || IsProbability(product.RightOperand);
                case IInvocationOperation { TargetMethod.Name: "Invoke", Instance: { } function }:
                    return ReferencedSymbol(function) is { } named && NamesProbability(named.Name);
                case IInvocationOperation invocation:
                    return NamesProbability(invocation.TargetMethod.Name);
                case ILocalReferenceOperation or IArrayElementReferenceOperation or IParameterReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true }:
                    break;
                default:
                    return false;
            }
            ISymbol? symbol = ReferencedSymbol(operation);
            if (symbol is null)
                return false;
            if (elementOf.TryGetValue(symbol, out IOperation? collection))
                return ReferencedSymbol(collection) is { } named && NamesProbability(named.Name);
            if (KnownWrites(symbol) is { } list)
            {
                if (!visiting.Add(symbol))
                    return false;
                bool any = false;
                foreach ((IOperation value, BinaryOperatorKind compound) in list)
                    any |= compound == BinaryOperatorKind.None && IsProbability(value);
                visiting.Remove(symbol);
                return any;
            }
            bool element = operation is not (ILocalReferenceOperation or IParameterReferenceOperation);
            return (element || symbol is IParameterSymbol) && NamesProbability(symbol.Name);
        }

        /// <summary>Whether the method also takes the exp of this very value: then it is a log-probability, not a probability.</summary>
        public bool IsExponentiated(IOperation operation)
        {
            string text = Text(operation);
            foreach (IInvocationOperation invocation in Invocations)
                if (invocation.TargetMethod.Name == "Exp" && invocation.Arguments.Length == 1 && Text(invocation.Arguments[0].Value) == text)
                    return true;
            return false;
        }

        private static bool IsSigmoid(IBinaryOperation division)
            => division.LeftOperand.ConstantValue is { HasValue: true, Value: { } one } && AsDouble(one) == 1
               && Unwrap(division.RightOperand) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } denominator
               && (IsExp(denominator.LeftOperand) || IsExp(denominator.RightOperand));

        private static bool IsExp(IOperation operation) => Unwrap(operation) is IInvocationOperation { TargetMethod.Name: "Exp" };

        /// <summary>A sum: an accumulator of this block, a <c>Sum()</c>, or a variable named total/sum/count/norm.</summary>
        private bool IsNormalizer(IOperation operation)
        {
            operation = Unwrap(operation);
            if (operation is IInvocationOperation { TargetMethod.Name: "Sum" or "Count" })
                return true;
            ISymbol? symbol = ReferencedSymbol(operation);
            if (symbol is null)
                return false;
            if (Accumulators.Contains(symbol))
                return true;
            string name = symbol.Name;
            return Contains(name, "total") || Contains(name, "sum") || Contains(name, "count") || Contains(name, "norm");
        }

        /// <summary>Names that say "probability": p, q (with a digit or one letter after), prob…, pred…, pmf, pdf, freq….</summary>
        public static bool NamesProbability(string name)
        {
            string bare = name.TrimStart('_');
            if (bare.StartsWith("m_", StringComparison.Ordinal))
                bare = bare.Substring(2);
            if (bare.Length > 0 && (bare[0] == 'p' || bare[0] == 'q') && (bare.Length == 1 || (bare.Length == 2 && char.IsLetterOrDigit(bare[1]) && !char.IsUpper(bare[1]))))
                return true;
            return Contains(bare, "prob") || Contains(bare, "pred") || Contains(bare, "pmf") || Contains(bare, "pdf") || Contains(bare, "freq")
                || Contains(bare, "sigmoid") || Contains(bare, "softmax");
        }

        private static ValueSign Flip(ValueSign sign) => (ValueSign)((((int)sign & 1) << 1) | (((int)sign & 2) >> 1));

        private static ValueSign Times(ValueSign a, ValueSign b)
        {
            ValueSign result = ValueSign.Zero;
            if (((a & b) & ValueSign.Positive) != 0 || ((a & b) & ValueSign.Negative) != 0) result |= ValueSign.Positive;
            if (((a & ValueSign.Positive) != 0 && (b & ValueSign.Negative) != 0) || ((a & ValueSign.Negative) != 0 && (b & ValueSign.Positive) != 0)) result |= ValueSign.Negative;
            return result;
        }

        public static double? AsDouble(object value) => value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            short s => s,
            byte b => b,
            uint u => u,
            ulong u => u,
            _ => null,
        };

        private static bool Contains(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>An expression's source text without whitespace, for comparing two mentions of the same value.</summary>
        public static string Text(IOperation operation)
        {
            string text = Unwrap(operation).Syntax.ToString();
            var builder = new System.Text.StringBuilder(text.Length);
            foreach (char c in text)
                if (!char.IsWhiteSpace(c))
                    builder.Append(c);
            return builder.ToString();
        }

        public static IOperation Unwrap(IOperation operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion: operation = conversion.Operand; continue;
                    case IParenthesizedOperation parenthesized: operation = parenthesized.Operand; continue;
                    case IArgumentOperation argument: operation = argument.Value; continue;
                    default: return operation;
                }
            }
        }

        /// <summary>The variable an expression denotes, through conversions, <c>AsSpan()</c>, slices and element access.</summary>
        public static ISymbol? ReferencedSymbol(IOperation operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion: operation = conversion.Operand; continue;
                    case IParenthesizedOperation parenthesized: operation = parenthesized.Operand; continue;
                    case IArgumentOperation argument: operation = argument.Value; continue;
                    case IArrayElementReferenceOperation element: operation = element.ArrayReference; continue;
                    case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance }: operation = instance; continue;
                    case IInvocationOperation { TargetMethod.Name: "AsSpan" or "Slice", Instance: { } instance }: operation = instance; continue;
                    case IInvocationOperation { TargetMethod.Name: "AsSpan", Instance: null, Arguments.Length: > 0 } extension: operation = extension.Arguments[0].Value; continue;
                    case ILocalReferenceOperation local: return local.Local;
                    case IParameterReferenceOperation parameter: return parameter.Parameter;
                    case IFieldReferenceOperation field: return field.Field;
                    case IPropertyReferenceOperation { Property.IsIndexer: false } property: return property.Property;
                    default: return null;
                }
            }
        }
    }
}
