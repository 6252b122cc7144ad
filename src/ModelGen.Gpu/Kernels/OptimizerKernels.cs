using ILGPU;
using ILGPU.Algorithms;

namespace ModelGen.Gpu.Kernels;

/// <summary>
/// One optimizer's element rule: the new parameter from the old one, its (scaled) gradient and up to two state values.
/// The rules are the CPU path's (src/ModelGen/Optimizers), with <c>keep</c> = 1 − lr·λ for decoupled weight decay.
/// </summary>
public interface IDeviceUpdateRule
{
    /// <summary>The updated parameter; <paramref name="first"/> and <paramref name="second"/> are the rule's state.</summary>
    float Apply(float parameter, float gradient, ref float first, ref float second);
}

/// <summary>The update kernel and its rules: one pass over parameters, gradients and state, the gradient scale read on the device.</summary>
public static class OptimizerKernels
{
    /// <summary>
    /// Updates parameters [offset, offset + count) with <typeparamref name="TRule"/>; the gradient is multiplied by
    /// scalars[<paramref name="scaleSlot"/>] first (global-norm clipping, computed on the device).
    /// </summary>
    public static void Update<TRule>(Index1D i, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> first, ArrayView<float> second,
        ArrayView<float> scalars, int scaleSlot, int offset, TRule rule)
        where TRule : struct, IDeviceUpdateRule
    {
        int index = i + offset;
        float g = gradients[index] * scalars[scaleSlot];
        float s1 = first.Length > index ? first[index] : 0f;
        float s2 = second.Length > index ? second[index] : 0f;
        parameters[index] = rule.Apply(parameters[index], g, ref s1, ref s2);
        if (first.Length > index)
            first[index] = s1;
        if (second.Length > index)
            second[index] = s2;
    }

    /// <summary>p ← keep·p − lr·g.</summary>
    public readonly record struct Sgd(float LearningRate, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second) => Keep * parameter - LearningRate * gradient;
    }

    /// <summary>b ← μb + g; p ← keep·p − lr·(Nesterov ? g + μb : b).</summary>
    public readonly record struct Momentum(float LearningRate, float Mu, int Nesterov, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second)
        {
            first = Mu * first + gradient;
            float direction = Nesterov != 0 ? gradient + Mu * first : first;
            return Keep * parameter - LearningRate * direction;
        }
    }

    /// <summary>
    /// Adam with bias correction (torch.optim.Adam): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    /// p ← keep·p − StepSize · m / (√v · InverseCorrection2 + ε); moments below the smallest normal flush to zero.
    /// </summary>
    public readonly record struct Adam(float Beta1, float Beta2, float Epsilon, float StepSize, float InverseCorrection2, float Keep) : IDeviceUpdateRule
    {
        private const float SmallestNormal = 1.17549435E-38f; // 2^-126

        /// <summary>The rule for 1-based step <paramref name="step"/>: the bias corrections computed once on the host.</summary>
        public static Adam ForStep(float learningRate, float beta1, float beta2, float epsilon, long step, float keep)
        {
            // The CPU path computes the corrections in T: float here, so the step sizes agree bit for bit.
            float stepT = step;
            return new Adam(beta1, beta2, epsilon, learningRate / (1f - MathF.Pow(beta1, stepT)), 1f / MathF.Sqrt(1f - MathF.Pow(beta2, stepT)), keep);
        }

        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second)
        {
            float m = Beta1 * first + (1f - Beta1) * gradient;
            float v = Beta2 * second + (1f - Beta2) * gradient * gradient;
            first = XMath.Abs(m) < SmallestNormal ? 0f : m;
            second = v < SmallestNormal ? 0f : v;
            return Keep * parameter - StepSize * first / (XMath.Sqrt(second) * InverseCorrection2 + Epsilon);
        }
    }

    /// <summary>a ← ρa + (1−ρ)g²; p ← keep·p − lr·g / (√a + ε).</summary>
    public readonly record struct RmsProp(float LearningRate, float Rho, float Epsilon, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second)
        {
            first = Rho * first + (1f - Rho) * gradient * gradient;
            return Keep * parameter - LearningRate * gradient / (XMath.Sqrt(first) + Epsilon);
        }
    }

    /// <summary>s ← s + g²; p ← keep·p − lr·g / (√s + ε).</summary>
    public readonly record struct AdaGrad(float LearningRate, float Epsilon, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second)
        {
            first = first + gradient * gradient;
            return Keep * parameter - LearningRate * gradient / (XMath.Sqrt(first) + Epsilon);
        }
    }
}
