using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Optimizers, generator side: the state buffers each one needs (mirroring the parameter buffer) and the
    /// single fused update call (runtime: src/ModelGen/Optimizers). Clipping arrives as a gradient scale.
    /// </summary>
    internal static class OptimizerOp
    {
        public static string[] StateBuffers(OptimizerDeclaration optimizer) => optimizer.Kind switch
        {
            OptimizerKind.Adam => new[] { "_firstMoment", "_secondMoment" },
            OptimizerKind.AdaGrad => new[] { "_squareSum" },
            OptimizerKind.RmsProp => new[] { "_squareAverage" },
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
            _ => "momentum_buffer",
        };

        public static string Describe(OptimizerDeclaration optimizer) => optimizer.Kind switch
        {
            OptimizerKind.Adam => $"Adam (lr {CodeWriter.Literal(optimizer.LearningRate)}, β₁ {CodeWriter.Literal(optimizer.Beta1)}, β₂ {CodeWriter.Literal(optimizer.Beta2)}, ε {CodeWriter.Literal(optimizer.Epsilon)})",
            OptimizerKind.AdaGrad => $"AdaGrad (lr {CodeWriter.Literal(optimizer.LearningRate)}, ε {CodeWriter.Literal(optimizer.Epsilon)})",
            OptimizerKind.RmsProp => $"RMSProp (lr {CodeWriter.Literal(optimizer.LearningRate)}, ρ {CodeWriter.Literal(optimizer.Rho)}, ε {CodeWriter.Literal(optimizer.Epsilon)})",
            OptimizerKind.Sgd when optimizer.Momentum != 0 => $"SGD (lr {CodeWriter.Literal(optimizer.LearningRate)}, {(optimizer.Nesterov ? "Nesterov " : "")}momentum {CodeWriter.Literal(optimizer.Momentum)})",
            _ => $"SGD (lr {CodeWriter.Literal(optimizer.LearningRate)})",
        };

        /// <summary>
        /// The update call over the whole buffer; <paramref name="rate"/> is the learning-rate expression (a constant, or
        /// the scheduled local); <paramref name="constant"/> names a hyper-parameter.
        /// </summary>
        public static string Update(OptimizerDeclaration optimizer, string rate, string scale, System.Func<string, float, string> constant)
            => Update(optimizer, rate, scale, Buffer, "", constant);

        /// <summary>
        /// The update call over parameters [start, start + length) with decoupled decay folded in: the optimizer first
        /// multiplies those parameters by <paramref name="keep"/> (1 − lr·λ, or 1), in the same pass.
        /// </summary>
        public static string Update(OptimizerDeclaration optimizer, string rate, string scale, int start, int length, string keep, System.Func<string, float, string> constant)
            => Update(optimizer, rate, scale, name => $"new global::System.Span<T>({name}, {start}, {length})", ", " + keep, constant);

        private static string Buffer(string name) => name;

        private static string Update(OptimizerDeclaration optimizer, string rate, string scale, System.Func<string, string> slice, string keep,
            System.Func<string, float, string> T) => optimizer.Kind switch
        {
            OptimizerKind.Adam => $"global::ModelGen.Optimizers.Adam.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_firstMoment")}, {slice("_secondMoment")}, {rate}, {T("AdamBeta1", optimizer.Beta1)}, {T("AdamBeta2", optimizer.Beta2)}, {T("AdamEpsilon", optimizer.Epsilon)}, _step, {scale}{keep});",
            OptimizerKind.AdaGrad => $"global::ModelGen.Optimizers.AdaGrad.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_squareSum")}, {rate}, {T("AdaGradEpsilon", optimizer.Epsilon)}, {scale}{keep});",
            OptimizerKind.RmsProp => $"global::ModelGen.Optimizers.RmsProp.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_squareAverage")}, {rate}, {T("RmsPropRho", optimizer.Rho)}, {T("RmsPropEpsilon", optimizer.Epsilon)}, {scale}{keep});",
            OptimizerKind.Sgd when optimizer.Momentum != 0 => $"global::ModelGen.Optimizers.Sgd.Update<T>({slice("_parameters")}, {slice("_gradients")}, {slice("_velocity")}, {rate}, {T("Momentum", optimizer.Momentum)}, nesterov: {(optimizer.Nesterov ? "true" : "false")}, {scale}{keep});",
            _ => $"global::ModelGen.Optimizers.Sgd.Update<T>({slice("_parameters")}, {slice("_gradients")}, {rate}, {scale}{keep});",
        };

        /// <summary>
        /// The update of one parameter in HLSL (ModelGen.Vulkan): <c>p</c> and the scaled gradient <c>g</c> are locals at
        /// <c>index</c>; the state lives in Moment1/Moment2 in <see cref="StateBuffers"/> order; the learning rate (and
        /// Adam's corrected step size) are scalars the host sets per step. The CPU rules, term by term.
        /// </summary>
        public static string ShaderRule(OptimizerDeclaration optimizer, string keep)
        {
            string rate = $"Scalars[{Emit.Hlsl.RateSlot}]";
            string F(float value) => Emit.Hlsl.Float(value);
            switch (optimizer.Kind)
            {
                case OptimizerKind.Adam:
                    return $@"float m = {F(optimizer.Beta1)} * Moment1[index] + {F(1f - optimizer.Beta1)} * g;
float v = {F(optimizer.Beta2)} * Moment2[index] + {F(1f - optimizer.Beta2)} * g * g;
// Subnormal moments are flushed to zero, as on the CPU (they would only slow the update down).
m = abs(m) < 1.17549435E-38f ? 0.0f : m;
v = v < 1.17549435E-38f ? 0.0f : v;
Moment1[index] = m;
Moment2[index] = v;
Parameters[index] = {keep} * p - Scalars[{Emit.Hlsl.StepSizeSlot}] * m / (sqrt(v) * Scalars[{Emit.Hlsl.CorrectionSlot}] + {F(optimizer.Epsilon)});";
                case OptimizerKind.AdaGrad:
                    return $@"float sum = Moment1[index] + g * g;
Moment1[index] = sum;
Parameters[index] = {keep} * p - {rate} * g / (sqrt(sum) + {F(optimizer.Epsilon)});";
                case OptimizerKind.RmsProp:
                    return $@"float average = {F(optimizer.Rho)} * Moment1[index] + {F(1f - optimizer.Rho)} * g * g;
Moment1[index] = average;
Parameters[index] = {keep} * p - {rate} * g / (sqrt(average) + {F(optimizer.Epsilon)});";
                case OptimizerKind.Sgd when optimizer.Momentum != 0:
                    return $@"float velocity = {F(optimizer.Momentum)} * Moment1[index] + g;
Moment1[index] = velocity;
Parameters[index] = {keep} * p - {rate} * {(optimizer.Nesterov ? $"(g + {F(optimizer.Momentum)} * velocity)" : "velocity")};";
                default:
                    return $"Parameters[index] = {keep} * p - {rate} * g;";
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
