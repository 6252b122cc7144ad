using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// A feature-sequence input ([Model(InputShape = new[] { steps, features })]) turned time-major, emission (runtime:
    /// src/ModelGen/Ops/TimeMajorOp.cs): y[t·batch + n] = x[n·steps + t]. The model input needs no gradient.
    /// </summary>
    internal sealed class TimeMajorOp : OpDefinition
    {
        public static readonly TimeMajorOp Instance = new TimeMajorOp();

        public override string? Describe(OpNode node) => "time-major input";

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: [batch × {node.Shape.Steps} × {node.Width}] as given → time-major rows t·batch + n");
            context.Writer.Call("global::ModelGen.Ops.TimeMajorOp.ToTimeMajor<T>", context.Value(node.Inputs[0]), context.Value(node.Id), "batch",
                Int(node.Shape.Steps), Int(node.Width));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            // Its input is the model input: nothing upstream to differentiate.
        }
    }
}
