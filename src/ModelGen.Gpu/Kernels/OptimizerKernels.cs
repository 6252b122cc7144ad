using ILGPU;
using ILGPU.Algorithms;

namespace ModelGen.Gpu.Kernels;

/// <summary>
/// One optimizer's element rule: the new parameter from the old one, its (scaled) gradient and up to three state values.
/// The rules are the CPU path's (src/ModelGen/Optimizers), with <c>keep</c> = 1 − lr·λ for decoupled weight decay.
/// </summary>
public interface IDeviceUpdateRule
{
    /// <summary>The updated parameter; <paramref name="first"/>, <paramref name="second"/> and <paramref name="third"/> are the rule's state.</summary>
    float Apply(float parameter, float gradient, ref float first, ref float second, ref float third);
}

/// <summary>The update kernel and its rules: one pass over parameters, gradients and state, the gradient scale read on the device.</summary>
public static class OptimizerKernels
{
    /// <summary>
    /// Updates parameters [offset, offset + count) with <typeparamref name="TRule"/>; the gradient is multiplied by
    /// scalars[<paramref name="scaleSlot"/>] first (global-norm clipping, computed on the device).
    /// </summary>
    public static void Update<TRule>(Index1D i, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> first, ArrayView<float> second,
        ArrayView<float> third, ArrayView<float> scalars, int scaleSlot, int offset, TRule rule)
        where TRule : struct, IDeviceUpdateRule
    {
        int index = i + offset;
        float g = gradients[index] * scalars[scaleSlot];
        float s1 = first.Length > index ? first[index] : 0f;
        float s2 = second.Length > index ? second[index] : 0f;
        float s3 = third.Length > index ? third[index] : 0f;
        parameters[index] = rule.Apply(parameters[index], g, ref s1, ref s2, ref s3);
        if (first.Length > index)
            first[index] = s1;
        if (second.Length > index)
            second[index] = s2;
        if (third.Length > index)
            third[index] = s3;
    }

    /// <summary>p ← keep·p − lr·g.</summary>
    public readonly record struct Sgd(float LearningRate, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second, ref float third) => Keep * parameter - LearningRate * gradient;
    }

    /// <summary>b ← μb + g; p ← keep·p − lr·(Nesterov ? g + μb : b).</summary>
    public readonly record struct Momentum(float LearningRate, float Mu, int Nesterov, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second, ref float third)
        {
            first = Mu * first + gradient;
            float direction = Nesterov != 0 ? gradient + Mu * first : first;
            return Keep * parameter - LearningRate * direction;
        }
    }

    /// <summary>
    /// Adam with bias correction (torch.optim.Adam): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    /// p ← keep·p − StepSize · m / (√v · InverseCorrection2 + ε); moments below the smallest normal flush to zero.
    /// With <paramref name="AmsGrad"/> ≠ 0 (AMSGrad) the denominator reads v̂ ← max(v̂, v), kept in the third state.
    /// </summary>
    public readonly record struct Adam(float Beta1, float Beta2, float Epsilon, float StepSize, float InverseCorrection2, float Keep, int AmsGrad = 0) : IDeviceUpdateRule
    {
        /// <summary>The rule for 1-based step <paramref name="step"/>: the bias corrections computed once on the host.</summary>
        public static Adam ForStep(float learningRate, float beta1, float beta2, float epsilon, long step, float keep, bool amsGrad = false)
            => new(beta1, beta2, epsilon, ModelGen.Optimizers.Adam.StepSize(learningRate, beta1, step), ModelGen.Optimizers.Adam.InverseCorrection2(beta2, step), keep, amsGrad ? 1 : 0);

        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second, ref float third)
        {
            Moments(Beta1, Beta2, gradient, ref first, ref second);
            float denominator = second;
            if (AmsGrad != 0)
                denominator = third = XMath.Max(third, second);
            return Keep * parameter - StepSize * first / (XMath.Sqrt(denominator) * InverseCorrection2 + Epsilon);
        }
    }

    /// <summary>
    /// NAdam (torch.optim.NAdam): Adam's moments, then
    /// p ← keep·p − (GradientStep·g + MomentumStep·m) / (√v · InverseCorrection2 + ε), the coefficients from the host.
    /// </summary>
    public readonly record struct NAdam(float Beta1, float Beta2, float Epsilon, float GradientStep, float MomentumStep, float InverseCorrection2, float Keep) : IDeviceUpdateRule
    {
        /// <summary>The rule for 1-based step <paramref name="step"/>, with the CPU path's coefficients.</summary>
        public static NAdam ForStep(float learningRate, float beta1, float beta2, float epsilon, float momentumDecay, long step, float keep)
        {
            var (gradientStep, momentumStep) = ModelGen.Optimizers.NAdam.Coefficients(learningRate, beta1, momentumDecay, step);
            return new(beta1, beta2, epsilon, (float)gradientStep, (float)momentumStep, ModelGen.Optimizers.Adam.InverseCorrection2(beta2, step), keep);
        }

        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second, ref float third)
        {
            Moments(Beta1, Beta2, gradient, ref first, ref second);
            return Keep * parameter - (GradientStep * gradient + MomentumStep * first) / (XMath.Sqrt(second) * InverseCorrection2 + Epsilon);
        }
    }

    private const float SmallestNormal = 1.17549435E-38f; // 2^-126

    /// <summary>Adam's moment updates, shared with NAdam; moments below the smallest normal flush to zero, as on the CPU.</summary>
    private static void Moments(float beta1, float beta2, float gradient, ref float m, ref float v)
    {
        float first = beta1 * m + (1f - beta1) * gradient;
        float second = beta2 * v + (1f - beta2) * gradient * gradient;
        m = XMath.Abs(first) < SmallestNormal ? 0f : first;
        v = XMath.Abs(second) < SmallestNormal ? 0f : second;
    }

    /// <summary>
    /// a ← ρa + (1−ρ)g²; p ← keep·p − lr·g / (√a + ε). Centred: ā ← ρā + (1−ρ)g and the root of max(a − ā², 0);
    /// with momentum μ: b ← μb + g/(root + ε), p ← keep·p − lr·(Nesterov ? g/(root + ε) + μb : b). The state order is
    /// the CPU path's: a, then b (with momentum), then ā (centred).
    /// </summary>
    public readonly record struct RmsProp(float LearningRate, float Rho, float Epsilon, float Keep, float Momentum = 0f, int Nesterov = 0, int Centered = 0) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second, ref float third)
        {
            first = Rho * first + (1f - Rho) * gradient * gradient;
            float variance = first;
            if (Centered != 0)
            {
                float average;
                if (Momentum != 0f)
                    average = third = Rho * third + (1f - Rho) * gradient;
                else
                    average = second = Rho * second + (1f - Rho) * gradient;
                variance = XMath.Max(first - average * average, 0f);
            }
            if (Momentum == 0f)
                return Keep * parameter - LearningRate * gradient / (XMath.Sqrt(variance) + Epsilon);
            float normalized = gradient / (XMath.Sqrt(variance) + Epsilon);
            second = Momentum * second + normalized;
            return Keep * parameter - LearningRate * (Nesterov != 0 ? normalized + Momentum * second : second);
        }
    }

    /// <summary>s ← s + g²; p ← keep·p − lr·g / (√s + ε).</summary>
    public readonly record struct AdaGrad(float LearningRate, float Epsilon, float Keep) : IDeviceUpdateRule
    {
        /// <inheritdoc/>
        public float Apply(float parameter, float gradient, ref float first, ref float second, ref float third)
        {
            first = first + gradient * gradient;
            return Keep * parameter - LearningRate * gradient / (XMath.Sqrt(first) + Epsilon);
        }
    }
}
