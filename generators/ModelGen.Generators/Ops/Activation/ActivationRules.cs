using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>Activation facts the rules and analyzers share (emission: ActivationOp.cs).</summary>
    internal static class ActivationRules
    {
        /// <summary>
        /// He for the ReLU family (keeps activation variance at depth), LeCun normal for SELU (its self-normalizing
        /// fixed point assumes it), Glorot for saturating and linear units.
        /// </summary>
        public static InitializerKind DefaultInitializer(ActivationKind kind) => kind switch
        {
            ActivationKind.ReLU or ActivationKind.LeakyReLU => InitializerKind.HeUniform,
            ActivationKind.SELU => InitializerKind.LeCunNormal,
            _ => InitializerKind.GlorotUniform,
        };

        /// <summary>False for softmax, whose Jacobian couples a row: it cannot run on a GEMM tile.</summary>
        public static bool IsElementWise(ActivationKind kind) => kind != ActivationKind.Softmax;
    }
}
