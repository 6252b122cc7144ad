using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>Activation facts the rules and analyzers share (emission: ActivationOp.cs).</summary>
    internal static class ActivationRules
    {
        /// <summary>
        /// He for the ReLU family, ELU and GELU included (keeps activation variance at depth), LeCun normal for SELU (its
        /// self-normalizing fixed point assumes it), Glorot for saturating (hard tanh included), linear and absolute-value
        /// units (|z| keeps z's second moment, as a linear unit does).
        /// </summary>
        public static InitializerKind DefaultInitializer(ActivationKind kind) => kind switch
        {
            ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU or ActivationKind.GELU or ActivationKind.GELUTanh => InitializerKind.HeUniform,
            ActivationKind.SELU => InitializerKind.LeCunNormal,
            _ => InitializerKind.GlorotUniform,
        };

        /// <summary>
        /// The gain an orthogonal initialization is scaled by so the unit keeps its input's variance (Saxe et al.), as
        /// PyTorch's <c>calculate_gain</c>: 5/3 for tanh, √2 for ReLU (and ELU, its smooth relative), √(2/(1 + a²)) for
        /// leaky ReLU of slope a, 3/4 for SELU, 1 for the rest. GELU takes ReLU's √2 (PyTorch has no entry for it; GELU
        /// is ReLU away from 0, and He initialization's factor 2 is what its users pick).
        /// </summary>
        public static double OrthogonalGain(ActivationKind kind, float negativeSlope) => kind switch
        {
            ActivationKind.Tanh => 5.0 / 3,
            ActivationKind.ReLU or ActivationKind.ELU or ActivationKind.GELU or ActivationKind.GELUTanh => System.Math.Sqrt(2.0),
            ActivationKind.LeakyReLU => System.Math.Sqrt(2.0 / (1 + (double)negativeSlope * negativeSlope)),
            ActivationKind.SELU => 0.75,
            _ => 1.0,
        };

        /// <summary>Units whose gradient dies where they saturate: what MG0012 counts in a deep stack.</summary>
        public static bool IsSaturating(ActivationKind kind) => kind is ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.HardTanh;

        /// <summary>
        /// The ReLU family, for which He initialization keeps the variance of activations at depth (MG0002 asks for it).
        /// GELU defaults to He too but is not held to it: Glorot and small normals are its users' common practice.
        /// </summary>
        public static bool IsRectifier(ActivationKind kind) => kind is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU;

        /// <summary>
        /// Activations whose derivative needs the pre-activation z because the output does not determine it (GELU dips
        /// and comes back; |z| drops the sign). They keep z in the producer's buffer and write y to their own, so they
        /// never run in place or inside a GEMM epilogue.
        /// </summary>
        public static bool DerivativeReadsInput(ActivationKind kind) => kind is ActivationKind.GELU or ActivationKind.GELUTanh or ActivationKind.AbsoluteValue;

        /// <summary>False for softmax and log-softmax, whose Jacobians couple a row: they cannot run on a GEMM tile.</summary>
        public static bool IsElementWise(ActivationKind kind) => kind is not (ActivationKind.Softmax or ActivationKind.LogSoftmax);
    }
}
