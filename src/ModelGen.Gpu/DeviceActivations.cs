using ILGPU.Algorithms;

namespace ModelGen.Gpu;

/// <summary>
/// An element-wise nonlinearity as device code: the forward function and its derivative written through the value the
/// CPU path's <see cref="ModelGen.Ops.IActivation"/> keeps — the output y, or the input z for GELU and |z| — so backward
/// reads a buffer the network already holds. Instance members on a struct: ILGPU specializes a kernel per type argument
/// and inlines them.
/// </summary>
public interface IDeviceActivation
{
    /// <summary>f(z).</summary>
    float Apply(float z, float negativeSlope);

    /// <summary>f′ from the kept value: the output y, or the input z where the CPU struct's DerivativeReadsInput.</summary>
    float Derivative(float kept, float negativeSlope);
}

/// <summary>The activations a GPU network runs, one struct per <see cref="ModelGen.Activation"/> (softmax is a row op, not here).</summary>
public static class DeviceActivations
{
    /// <summary>f(z) = z.</summary>
    public readonly struct Identity : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z;

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => 1f;
    }

    /// <summary>max(0, z); f′ = 1 where y &gt; 0 (0 at 0, as on the CPU).</summary>
    public readonly struct ReLU : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z > 0f ? z : 0f;

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => y > 0f ? 1f : 0f;
    }

    /// <summary>max(0, z) + slope·min(0, z).</summary>
    public readonly struct LeakyReLU : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z > 0f ? z : z * negativeSlope;

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => y > 0f ? 1f : negativeSlope;
    }

    /// <summary>1/(1 + e^−z); f′ = y(1 − y).</summary>
    public readonly struct Sigmoid : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => 1f / (1f + XMath.Exp(-z));

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => y * (1f - y);
    }

    /// <summary>tanh z; f′ = 1 − y².</summary>
    public readonly struct Tanh : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => XMath.Tanh(z);

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => 1f - y * y;
    }

    /// <summary>max(z, 0) + log(1 + e^−|z|), never overflowing; f′ = σ(z) = 1 − e^−y.</summary>
    public readonly struct Softplus : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => (z > 0f ? z : 0f) + XMath.Log(1f + XMath.Exp(-XMath.Abs(z)));

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => 1f - XMath.Exp(-y);
    }

    /// <summary>SELU: λz for z &gt; 0, λα(e^z − 1) otherwise; f′ = λ where y &gt; 0 and y + λα elsewhere.</summary>
    public readonly struct SELU : IDeviceActivation
    {
        private const float Scale = (float)ModelGen.Ops.SELU.Scale;
        private const float ScaledAlpha = (float)(ModelGen.Ops.SELU.Scale * ModelGen.Ops.SELU.Alpha);

        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z > 0f ? Scale * z : ScaledAlpha * (XMath.Exp(z) - 1f);

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => y > 0f ? Scale : y + ScaledAlpha;
    }

    /// <summary>ELU with α = 1: z for z &gt; 0, e^z − 1 otherwise; f′ = 1 where y &gt; 0 and y + 1 elsewhere.</summary>
    public readonly struct ELU : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z > 0f ? z : XMath.Exp(z) - 1f;

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => y > 0f ? 1f : y + 1f;
    }

    /// <summary>Hard tanh: z clipped to [−1, 1]; f′ = 1 strictly inside, 0 where the clip holds.</summary>
    public readonly struct HardTanh : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z < -1f ? -1f : z > 1f ? 1f : z;

        /// <inheritdoc/>
        public float Derivative(float y, float negativeSlope) => y > -1f && y < 1f ? 1f : 0f;
    }

    /// <summary>GELU, exact: z·Φ(z) through erfc (as <see cref="ModelGen.Ops.GELU"/>); f′ = Φ(z) + z·φ(z) from z.</summary>
    public readonly struct GELU : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z * NormalCdf(z);

        /// <inheritdoc/>
        public float Derivative(float kept, float negativeSlope) => NormalCdf(kept) + kept * 0.3989422804014327f * XMath.Exp(-0.5f * kept * kept);

        private static float NormalCdf(float z)
        {
            float halfTail = 0.5f * ErfcNonNegative(XMath.Abs(z) * 0.7071067811865476f);
            return z < 0f ? halfTail : 1f - halfTail;
        }

        /// <summary>erfc(z), z ≥ 0: <see cref="ModelGen.Ops.Erfc"/>'s Chebyshev form with float's 13 terms, unrolled (a kernel reads no managed array).</summary>
        private static float ErfcNonNegative(float z)
        {
            float t = 2f / (2f + z);
            float ty = 4f * t - 2f;
            float d = 0f, dd = 0f, previous;
            previous = d; d = ty * d - dd + 6.52905448981956239e-09f; dd = previous;
            previous = d; d = ty * d - dd + -8.52380959972385431e-08f; dd = previous;
            previous = d; d = ty * d - dd + 1.56264418465937759e-08f; dd = previous;
            previous = d; d = ty * d - dd + 1.30365583548584253e-06f; dd = previous;
            previous = d; d = ty * d - dd + -1.62429000456953586e-06f; dd = previous;
            previous = d; d = ty * d - dd + -2.02785781126331753e-05f; dd = previous;
            previous = d; d = ty * d - dd + 4.25233248070193333e-05f; dd = previous;
            previous = d; d = ty * d - dd + 3.66839497852648690e-04f; dd = previous;
            previous = d; d = ty * d - dd + -9.46595344481943567e-04f; dd = previous;
            previous = d; d = ty * d - dd + -9.56151478680873634e-03f; dd = previous;
            previous = d; d = ty * d - dd + 1.94764732041859401e-02f; dd = previous;
            previous = d; d = ty * d - dd + 6.41969792356490210e-01f; dd = previous;
            return t * XMath.Exp(0.5f * (-1.30265371978170941e+00f + ty * d) - dd - z * z);
        }
    }

    /// <summary>GELU, tanh form: z·σ(2u), u = √(2/π)(z + 0.044715z³) (as <see cref="ModelGen.Ops.GELUTanh"/>); f′ from z.</summary>
    public readonly struct GELUTanh : IDeviceActivation
    {
        private const float SqrtTwoOverPi = (float)ModelGen.Ops.GELUTanh.SqrtTwoOverPi;
        private const float Cubic = (float)ModelGen.Ops.GELUTanh.Cubic;

        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => z * Gate(z);

        /// <inheritdoc/>
        public float Derivative(float kept, float negativeSlope)
        {
            if (XMath.Abs(kept) > 10f)
                return kept > 0f ? 1f : 0f;
            float s = Gate(kept);
            return s + kept * s * (1f - s) * 2f * SqrtTwoOverPi * (1f + 3f * Cubic * kept * kept);
        }

        private static float Gate(float z) => 1f / (1f + XMath.Exp(-2f * SqrtTwoOverPi * (z + Cubic * z * z * z)));
    }

    /// <summary>|z|; f′ = sign z from z, 0 at 0.</summary>
    public readonly struct AbsoluteValue : IDeviceActivation
    {
        /// <inheritdoc/>
        public float Apply(float z, float negativeSlope) => XMath.Abs(z);

        /// <inheritdoc/>
        public float Derivative(float kept, float negativeSlope) => kept > 0f ? 1f : kept < 0f ? -1f : 0f;
    }
}
