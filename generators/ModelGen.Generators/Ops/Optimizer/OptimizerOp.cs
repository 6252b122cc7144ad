using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Optimizers, generator side: the state buffers each one needs (mirroring the parameter buffer) and the
    /// single fused update call (runtime: src/ModelGen/Optimizers). Clipping arrives as a gradient scale.
    /// </summary>
    internal static class OptimizerOp
    {
        /// <summary>The state tensors in the order every backend's rule reads them (state 1, 2, 3; Moment1, 2, 3 in HLSL).</summary>
        public static string[] StateBuffers(OptimizerDeclaration optimizer) => optimizer.Kind switch
        {
            OptimizerKind.Adam when optimizer.AmsGrad => new[] { "_firstMoment", "_secondMoment", "_maxSecondMoment" },
            OptimizerKind.Adam or OptimizerKind.NAdam => new[] { "_firstMoment", "_secondMoment" },
            OptimizerKind.AdaGrad => new[] { "_squareSum" },
            OptimizerKind.RmsProp => new[] { "_squareAverage" }
                .Concat(optimizer.Momentum != 0 ? new[] { "_velocity" } : new string[0])
                .Concat(optimizer.Centered ? new[] { "_gradientAverage" } : new string[0]).ToArray(),
            OptimizerKind.Sgd when optimizer.Momentum != 0 => new[] { "_velocity" },
            _ => new string[0],
        };

        /// <summary>PyTorch's name for each of <see cref="StateBuffers"/> (torch.optim state keys), used in checkpoints.</summary>
        public static string CheckpointName(string buffer) => buffer switch
        {
            "_firstMoment" => "exp_avg",
            "_secondMoment" => "exp_avg_sq",
            "_squareSum" => "sum",
            "_squareAverage" => "square_avg",
            "_maxSecondMoment" => "max_exp_avg_sq",
            "_gradientAverage" => "grad_avg",
            _ => "momentum_buffer",
        };

        public static string Describe(OptimizerDeclaration optimizer) => optimizer.Kind switch
        {
            OptimizerKind.Adam => $"Adam{(optimizer.AmsGrad ? " with AMSGrad" : "")} (lr {CodeWriter.Literal(optimizer.LearningRate)}, β₁ {CodeWriter.Literal(optimizer.Beta1)}, β₂ {CodeWriter.Literal(optimizer.Beta2)}, ε {CodeWriter.Literal(optimizer.Epsilon)})",
            OptimizerKind.NAdam => $"NAdam (lr {CodeWriter.Literal(optimizer.LearningRate)}, β₁ {CodeWriter.Literal(optimizer.Beta1)}, β₂ {CodeWriter.Literal(optimizer.Beta2)}, ε {CodeWriter.Literal(optimizer.Epsilon)}, momentum decay {CodeWriter.Literal(optimizer.MomentumDecay)})",
            OptimizerKind.AdaGrad => $"AdaGrad (lr {CodeWriter.Literal(optimizer.LearningRate)}, ε {CodeWriter.Literal(optimizer.Epsilon)})",
            OptimizerKind.RmsProp => $"{(optimizer.Centered ? "centred " : "")}RMSProp (lr {CodeWriter.Literal(optimizer.LearningRate)}, ρ {CodeWriter.Literal(optimizer.Rho)}, ε {CodeWriter.Literal(optimizer.Epsilon)}{(optimizer.Momentum != 0 ? $", {(optimizer.Nesterov ? "Nesterov " : "")}momentum {CodeWriter.Literal(optimizer.Momentum)}" : "")})",
            OptimizerKind.Sgd when optimizer.Momentum != 0 => $"SGD (lr {CodeWriter.Literal(optimizer.LearningRate)}, {(optimizer.Nesterov ? "Nesterov " : "")}momentum {CodeWriter.Literal(optimizer.Momentum)})",
            _ => $"SGD (lr {CodeWriter.Literal(optimizer.LearningRate)})",
        };

        /// <summary>
        /// The update call over the whole buffer; <paramref name="rate"/> is the learning-rate expression (a constant, or
        /// the scheduled local); <paramref name="constant"/> names a hyper-parameter.
        /// </summary>
        public static string Update(OptimizerDeclaration optimizer, string rate, string scale, System.Func<string, float, string> constant)
            => Update(optimizer, rate, scale, Buffer, null, constant);

        /// <summary>
        /// The update call over parameters [start, start + length) with decoupled decay folded in: the optimizer first
        /// multiplies those parameters by <paramref name="keep"/> (1 − lr·λ, or 1), in the same pass.
        /// </summary>
        public static string Update(OptimizerDeclaration optimizer, string rate, string scale, int start, int length, string keep, System.Func<string, float, string> constant)
            => Update(optimizer, rate, scale, name => $"new global::System.Span<T>({name}, {start}, {length})", keep, constant);

        private static string Buffer(string name) => name;

        /// <summary>
        /// <paramref name="keep"/> is null when no decoupled decay applies: the older entry points without a keep
        /// argument are called then, so models without decay read as they always have.
        /// </summary>
        private static string Update(OptimizerDeclaration optimizer, string rate, string scale, System.Func<string, string> slice, string? keep,
            System.Func<string, float, string> T)
        {
            string optionalKeep = keep is null ? "" : ", " + keep, requiredKeep = keep ?? "T.One";
            return optimizer.Kind switch
            {
                OptimizerKind.Adam when optimizer.AmsGrad => $"global::ModelGen.Optimizers.Adam.UpdateAmsGrad<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_firstMoment")}, {slice("_secondMoment")}, {slice("_maxSecondMoment")}, {rate}, {T("AdamBeta1", optimizer.Beta1)}, {T("AdamBeta2", optimizer.Beta2)}, {T("AdamEpsilon", optimizer.Epsilon)}, _step, {scale}, {requiredKeep});",
                OptimizerKind.Adam => $"global::ModelGen.Optimizers.Adam.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_firstMoment")}, {slice("_secondMoment")}, {rate}, {T("AdamBeta1", optimizer.Beta1)}, {T("AdamBeta2", optimizer.Beta2)}, {T("AdamEpsilon", optimizer.Epsilon)}, _step, {scale}{optionalKeep});",
                OptimizerKind.NAdam => $"global::ModelGen.Optimizers.NAdam.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_firstMoment")}, {slice("_secondMoment")}, {rate}, {T("NAdamBeta1", optimizer.Beta1)}, {T("NAdamBeta2", optimizer.Beta2)}, {T("NAdamEpsilon", optimizer.Epsilon)}, {T("NAdamMomentumDecay", optimizer.MomentumDecay)}, _step, {scale}, {requiredKeep});",
                OptimizerKind.AdaGrad => $"global::ModelGen.Optimizers.AdaGrad.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_squareSum")}, {rate}, {T("AdaGradEpsilon", optimizer.Epsilon)}, {scale}{optionalKeep});",
                OptimizerKind.RmsProp when optimizer.Momentum != 0 || optimizer.Centered => $"global::ModelGen.Optimizers.RmsProp.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_squareAverage")}, {(optimizer.Momentum != 0 ? slice("_velocity") : "default")}, {(optimizer.Centered ? slice("_gradientAverage") : "default")}, {rate}, {T("RmsPropRho", optimizer.Rho)}, {T("RmsPropEpsilon", optimizer.Epsilon)}, {T("Momentum", optimizer.Momentum)}, nesterov: {(optimizer.Nesterov ? "true" : "false")}, {scale}, {requiredKeep});",
                OptimizerKind.RmsProp => $"global::ModelGen.Optimizers.RmsProp.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_squareAverage")}, {rate}, {T("RmsPropRho", optimizer.Rho)}, {T("RmsPropEpsilon", optimizer.Epsilon)}, {scale}{optionalKeep});",
                OptimizerKind.Sgd when optimizer.Momentum != 0 => $"global::ModelGen.Optimizers.Sgd.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_velocity")}, {rate}, {T("Momentum", optimizer.Momentum)}, nesterov: {(optimizer.Nesterov ? "true" : "false")}, {scale}{optionalKeep});",
                _ => $"global::ModelGen.Optimizers.Sgd.Update<T>({slice("_parameters")}, {slice("_gradients")}, {rate}, {scale}{optionalKeep});",
            };
        }

        /// <summary>
        /// The update of one parameter in HLSL (ModelGen.Vulkan): <c>p</c> and the scaled gradient <c>g</c> are locals at
        /// <c>index</c>; the state lives in Moment1–Moment3 in <see cref="StateBuffers"/> order; the learning rate (and
        /// Adam's and NAdam's step sizes and correction) are scalars the host sets per step. The CPU rules, term by term.
        /// </summary>
        public static string ShaderRule(OptimizerDeclaration optimizer, string keep)
        {
            string rate = $"Scalars[{Emit.Hlsl.RateSlot}]";
            string F(float value) => Emit.Hlsl.Float(value);
            switch (optimizer.Kind)
            {
                case OptimizerKind.Adam or OptimizerKind.NAdam:
                    string moments = $@"float m = {F(optimizer.Beta1)} * Moment1[index] + {F(1f - optimizer.Beta1)} * g;
float v = {F(optimizer.Beta2)} * Moment2[index] + {F(1f - optimizer.Beta2)} * g * g;
// Subnormal moments are flushed to zero, as on the CPU (they would only slow the update down).
m = abs(m) < 1.17549435E-38f ? 0.0f : m;
v = v < 1.17549435E-38f ? 0.0f : v;
Moment1[index] = m;
Moment2[index] = v;
";
                    string correction = $"Scalars[{Emit.Hlsl.CorrectionSlot}]", stepSize = $"Scalars[{Emit.Hlsl.StepSizeSlot}]";
                    if (optimizer.Kind == OptimizerKind.NAdam)
                        return moments + $@"// NAdam: the gradient's and the momentum's coefficients are set per step by the host.
Parameters[index] = {keep} * p - ({stepSize} * g + Scalars[{Emit.Hlsl.MomentumStepSlot}] * m) / (sqrt(v) * {correction} + {F(optimizer.Epsilon)});";
                    if (optimizer.AmsGrad)
                        return moments + $@"// AMSGrad: the largest second moment so far.
float maxV = max(Moment3[index], v);
Moment3[index] = maxV;
Parameters[index] = {keep} * p - {stepSize} * m / (sqrt(maxV) * {correction} + {F(optimizer.Epsilon)});";
                    return moments + $"Parameters[index] = {keep} * p - {stepSize} * m / (sqrt(v) * {correction} + {F(optimizer.Epsilon)});";
                case OptimizerKind.AdaGrad:
                    return $@"float sum = Moment1[index] + g * g;
Moment1[index] = sum;
Parameters[index] = {keep} * p - {rate} * g / (sqrt(sum) + {F(optimizer.Epsilon)});";
                case OptimizerKind.RmsProp when optimizer.Momentum == 0 && !optimizer.Centered:
                    return $@"float average = {F(optimizer.Rho)} * Moment1[index] + {F(1f - optimizer.Rho)} * g * g;
Moment1[index] = average;
Parameters[index] = {keep} * p - {rate} * g / (sqrt(average) + {F(optimizer.Epsilon)});";
                case OptimizerKind.RmsProp:
                {
                    string rule = $@"float average = {F(optimizer.Rho)} * Moment1[index] + {F(1f - optimizer.Rho)} * g * g;
Moment1[index] = average;
";
                    string variance = "average";
                    if (optimizer.Centered)
                    {
                        string buffer = optimizer.Momentum != 0 ? "Moment3" : "Moment2";
                        rule += $@"// Centred: divide by the running standard deviation (clamped at 0 against rounding).
float gradientAverage = {F(optimizer.Rho)} * {buffer}[index] + {F(1f - optimizer.Rho)} * g;
{buffer}[index] = gradientAverage;
float variance = max(average - gradientAverage * gradientAverage, 0.0f);
";
                        variance = "variance";
                    }
                    if (optimizer.Momentum == 0)
                        return rule + $"Parameters[index] = {keep} * p - {rate} * g / (sqrt({variance}) + {F(optimizer.Epsilon)});";
                    return rule + $@"float normalized = g / (sqrt({variance}) + {F(optimizer.Epsilon)});
float velocity = {F(optimizer.Momentum)} * Moment2[index] + normalized;
Moment2[index] = velocity;
Parameters[index] = {keep} * p - {rate} * {(optimizer.Nesterov ? $"(normalized + {F(optimizer.Momentum)} * velocity)" : "velocity")};";
                }
                case OptimizerKind.Sgd when optimizer.Momentum != 0:
                    return $@"float velocity = {F(optimizer.Momentum)} * Moment1[index] + g;
Moment1[index] = velocity;
Parameters[index] = {keep} * p - {rate} * {(optimizer.Nesterov ? $"(g + {F(optimizer.Momentum)} * velocity)" : "velocity")};";
                default:
                    return $"Parameters[index] = {keep} * p - {rate} * g;";
            }
        }

        /// <summary>
        /// The tensors <c>[MaxNorm]</c> constrains and how their units lie: a Dense layer's weights [inputs × units] hold one
        /// unit per column, a Conv2D layer's [filters × channels × k × k] one per row. Other weights have no single
        /// incoming vector per unit the constraint is defined for, and are left alone.
        /// </summary>
        public static IEnumerable<(ParameterTensor Tensor, int Units, bool UnitsAreColumns)> MaxNormTensors(CheckedModel model)
        {
            foreach (LayerDeclaration layer in model.Declaration.Layers)
            {
                if (layer.Kind is not (LayerKind.Dense or LayerKind.Conv2D))
                    continue;
                ParameterTensor? weight = model.Parameters.FirstOrDefault(p => p.Trainable && p.Role == ParameterRole.Weight && p.Name == layer.Name + ".weight");
                if (weight is null || weight.Length == 0)
                    continue;
                yield return layer.Kind == LayerKind.Dense
                    ? (weight, weight.Shape.Dimensions[weight.Shape.Dimensions.Count - 1], true)
                    : (weight, weight.Shape.Dimensions[0], false);
            }
        }

        /// <summary>
        /// The declared schedule's learning rate at <paramref name="step"/>, as an expression of element type
        /// <paramref name="type"/> (<c>T</c> on the CPU, <c>float</c> on the devices); <paramref name="constant"/> spells a
        /// hyper-parameter. The formulas are <c>ModelGen.Optimizers.LearningRateSchedule</c>'s, shared by every backend.
        /// </summary>
        public static string ScheduledRate(ScheduleDeclaration schedule, string initialRate, string step, string type, System.Func<string, float, string> constant)
        {
            const string Schedules = "global::ModelGen.Optimizers.LearningRateSchedule";
            string decay = schedule.Kind switch
            {
                ScheduleKind.Linear => $"{Schedules}.Linear<{type}>({initialRate}, {constant("LearningRateFinalFraction", schedule.Fraction)}, {step}, {schedule.Steps})",
                ScheduleKind.Step => $"{Schedules}.Step<{type}>({initialRate}, {constant("LearningRateDecayFactor", schedule.Fraction)}, {step}, {schedule.Steps})",
                ScheduleKind.Exponential => $"{Schedules}.Exponential<{type}>({initialRate}, {constant("LearningRateDecayFactor", schedule.Fraction)}, {step}, {schedule.Steps})",
                ScheduleKind.Cosine => $"{Schedules}.Cosine<{type}>({initialRate}, {constant("LearningRateFinalFraction", schedule.Fraction)}, {step}, {schedule.Steps})",
                _ => initialRate,
            };
            return schedule.WarmupSteps > 0 ? $"{Schedules}.Warmup<{type}>({decay}, {step}, {schedule.WarmupSteps})" : decay;
        }

        /// <summary>The schedule in words, for comments and documentation.</summary>
        public static string DescribeSchedule(ScheduleDeclaration schedule)
        {
            string fraction = CodeWriter.Literal(schedule.Fraction);
            string decay = schedule.Kind switch
            {
                ScheduleKind.Linear => $"linear decay to {fraction} × the initial rate over {schedule.Steps} steps, constant afterwards",
                ScheduleKind.Step => $"step decay, × {fraction} every {schedule.Steps} steps",
                ScheduleKind.Exponential => $"exponential decay, × {fraction} per {schedule.Steps} steps",
                ScheduleKind.Cosine => $"cosine decay to {fraction} × the initial rate over {schedule.Steps} steps, constant afterwards",
                _ => "constant",
            };
            return schedule.WarmupSteps > 0 ? $"linear warm-up over {schedule.WarmupSteps} steps, then {decay}" : decay;
        }
    }
}
