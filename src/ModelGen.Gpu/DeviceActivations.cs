using ILGPU.Algorithms;

namespace ModelGen.Gpu;

/// <summary>
/// An element-wise nonlinearity as device code: the forward function and its derivative written through the forward
/// output y (as the CPU path's <see cref="ModelGen.Ops.IActivation"/>), so backward reads the value it already keeps.
/// Instance members on a struct: ILGPU specializes a kernel per type argument and inlines them.
/// </summary>
public interface IDeviceActivation
{
    /// <summary>f(z).</summary>
    float Apply(float z, float negativeSlope);

    /// <summary>f′ at the input whose output is <paramref name="y"/>.</summary>
    float Derivative(float y, float negativeSlope);
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
}
