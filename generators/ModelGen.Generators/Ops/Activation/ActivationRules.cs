using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>Activation facts the rules and analyzers share (emission: ActivationOp.cs).</summary>
    internal static class ActivationRules
    {
        /// <summary>
        /// He for the ReLU family, ELU included (keeps activation variance at depth), LeCun normal for SELU (its
        /// self-normalizing fixed point assumes it), Glorot for saturating (hard tanh included) and linear units.
        /// </summary>
        public static InitializerKind DefaultInitializer(ActivationKind kind) => kind switch
        {
            ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU => InitializerKind.HeUniform,
            ActivationKind.SELU => InitializerKind.LeCunNormal,
            _ => InitializerKind.GlorotUniform,
        };

        /// <summary>
        /// The gain an orthogonal initialization is scaled by so the unit keeps its input's variance (Saxe et al.), as
        /// PyTorch's <c>calculate_gain</c>: 5/3 for tanh, √2 for ReLU (and ELU, its smooth relative), √(2/(1 + a²)) for
        /// leaky ReLU of slope a, 3/4 for SELU, 1 for the rest.
        /// </summary>
        public static double OrthogonalGain(ActivationKind kind, float negativeSlope) => kind switch
        {
            ActivationKind.Tanh => 5.0 / 3,
            ActivationKind.ReLU or ActivationKind.ELU => System.Math.Sqrt(2.0),
            ActivationKind.LeakyReLU => System.Math.Sqrt(2.0 / (1 + (double)negativeSlope * negativeSlope)),
            ActivationKind.SELU => 0.75,
            _ => 1.0,
        };

        /// <summary>Units whose gradient dies where they saturate: what MG0012 counts in a deep stack.</summary>
        public static bool IsSaturating(ActivationKind kind) => kind is ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.HardTanh;

        /// <summary>The ReLU family, for which He initialization keeps the variance of activations at depth.</summary>
        public static bool IsRectifier(ActivationKind kind) => kind is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU;

        /// <summary>False for softmax and log-softmax, whose Jacobians couple a row: they cannot run on a GEMM tile.</summary>
        public static bool IsElementWise(ActivationKind kind) => kind is not (ActivationKind.Softmax or ActivationKind.LogSoftmax);
    }
}
