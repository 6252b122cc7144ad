using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Model
{
    // Pipeline models: plain equatable values (strings, numbers, enums, EquatableArray). No ISymbol,
    // SyntaxNode, Location or Compilation may appear here; a reflection test enforces it.

    /// <summary>Mirrors ModelGen.Activation (runtime). A test checks names and values agree.</summary>
    internal enum ActivationKind { Identity = 0, ReLU = 1, LeakyReLU = 2, Sigmoid = 3, Tanh = 4 }

    /// <summary>Mirrors ModelGen.Initializer (runtime).</summary>
    internal enum InitializerKind { Default = 0, GlorotUniform = 1, GlorotNormal = 2, HeUniform = 3, HeNormal = 4 }

    internal enum LossKind { None, SoftmaxCrossEntropy, MeanSquaredError }

    internal enum OptimizerKind { None, Sgd, Adam }

    /// <summary>A type that encloses the model class; it must be partial too.</summary>
    internal sealed record ContainingType(string Keyword, string Name);

    /// <summary>One <c>[Dense]</c> property, as declared.</summary>
    internal sealed record LayerDeclaration(
        string Name,
        string Modifiers,
        int Units,
        ActivationKind Activation,
        InitializerKind Initializer,
        float NegativeSlope);

    internal sealed record OptimizerDeclaration(
        OptimizerKind Kind,
        float LearningRate,
        float Momentum,
        bool Nesterov,
        float Beta1,
        float Beta2,
        float Epsilon);

    /// <summary>Everything the generator knows about one model class, straight from its attributes.</summary>
    internal sealed record ModelDeclaration(
        string? Namespace,
        string ClassName,
        EquatableArray<ContainingType> ContainingTypes,
        int InputSize,
        int Seed,
        LossKind Loss,
        OptimizerDeclaration Optimizer,
        float? ClipNorm,
        EquatableArray<LayerDeclaration> Layers,
        EquatableArray<Problem> Problems)
    {
        public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
    }
}
