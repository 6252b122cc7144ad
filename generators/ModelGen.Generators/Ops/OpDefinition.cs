using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// A buffer an op keeps for its backward pass: per sample ([batch × Width]; [Steps × batch × Width] for a sequence) or
    /// fixed ([Width]). Training only, unless <see cref="Inference"/>: scratch the forward pass itself needs (a recurrent
    /// layer's gates and states). <see cref="Tokens"/>: not T elements but a <c>DistinctTokens</c> (a folded embedding's
    /// batch of distinct tokens, which its recurrent layers read forward and backward).
    /// </summary>
    internal sealed record SavedBuffer(string Suffix, int Width, bool PerSample, string Description, int Steps = 0, bool Inference = false, bool Tokens = false)
    {
        public int Capacity => Width * System.Math.Max(Steps, 1);
    }

    /// <summary>
    /// The op contract: capability flags the differentiator and fuser read, and the calls each backend step emits.
    /// Shapes, parameters and problems are the layer rules' part (Ops/&lt;Kind&gt;/*Rules.cs), which the analyzers share.
    /// </summary>
    internal abstract class OpDefinition
    {
        /// <summary>The trainable manifest entries the node owns; a node with any gets a ParameterGradient step.</summary>
        public virtual int[] Parameters(OpNode node) => new int[0];

        /// <summary>The manifest tensors the node's entry in the inference graph names, in order (what exporters read): its parameters by default.</summary>
        public virtual int[] GraphTensors(OpNode node) => Parameters(node);

        /// <summary>The named arguments that follow the tensors in the node's <c>GraphNode</c> (", activation: …"), empty when it has none.</summary>
        public virtual string GraphSettings(OpNode node) => "";

        /// <summary>Applies an element-wise epilogue to each finished output tile, forward and backward (a GEMM).</summary>
        public virtual bool TakesEpilogue => false;

        /// <summary>Element-wise, derivative from its output: may run inside its producer's GEMM.</summary>
        public virtual bool IsEpilogue(OpNode node) => false;

        /// <summary>An element-wise successor may overwrite this op's output in place (its backward does not read it).</summary>
        public virtual bool AllowsInPlaceSuccessor => false;

        /// <summary>Its input-gradient kernels can add into the target (for inputs that fan out).</summary>
        public virtual bool AccumulatesInputGradient => false;

        /// <summary>Behaves differently while training (dropout, batch statistics).</summary>
        public virtual bool HasTrainingMode => false;

        /// <summary>Draws from the model's seeded streams at run time (dropout masks): the network keeps its seed.</summary>
        public virtual bool UsesSeed => false;

        /// <summary>Normalizes over the batch while training, so a training batch of one sample is rejected.</summary>
        public virtual bool NeedsBatchStatistics => false;

        /// <summary>How [CheckFinite] messages name the step ("forward (batch norm)"); null for a plain layer product.</summary>
        public virtual string? Describe(OpNode node) => node.Name;

        public virtual SavedBuffer[] SavedBuffers(OpNode node) => new SavedBuffer[0];

        public abstract void EmitForward(EmitContext context, OpNode node, OpNode? epilogue);

        public virtual void EmitParameterGradient(EmitContext context, OpNode node)
        {
        }

        /// <summary>
        /// ∂loss/∂(input <paramref name="slot"/>) into <paramref name="target"/>, added to it when <paramref name="accumulate"/>;
        /// with <paramref name="epilogue"/>, times that activation's derivative at the input.
        /// </summary>
        public abstract void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue);

        /// <summary>After the gradients of a real training step, before the update (batch norm's running statistics).</summary>
        public virtual void EmitTrainingStepEnd(EmitContext context, OpNode node)
        {
        }

        /// <summary>The GPU backend (ModelGen.Gpu) has kernels for this node: a model whose every node has them gets a GPU network.</summary>
        public virtual bool HasDeviceKernels(OpNode node) => false;

        /// <summary>The node's forward launch on the device; <paramref name="epilogue"/> as in <see cref="EmitForward"/>.</summary>
        public virtual void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
        }

        /// <summary>The launches for the node's parameter gradients on the device.</summary>
        public virtual void EmitDeviceParameterGradient(DeviceEmitContext context, OpNode node)
        {
        }

        /// <summary>The device launch for ∂loss/∂(input <paramref name="slot"/>), as <see cref="EmitInputGradient"/>.</summary>
        public virtual void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
        }

        /// <summary>The device launches after the gradients of a real training step (batch norm's running statistics).</summary>
        public virtual void EmitDeviceTrainingStepEnd(DeviceEmitContext context, OpNode node)
        {
        }

        /// <summary>The shader backend (HLSL, run by ModelGen.Vulkan) has shaders for this node: a model whose every node has them gets a Vulkan network.</summary>
        public virtual bool HasShaders(OpNode node) => false;

        /// <summary>The node's forward shaders; <paramref name="epilogue"/> as in <see cref="EmitForward"/>. Dropout-like ops read the Training push constant.</summary>
        public virtual void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
        }

        /// <summary>The shaders for the node's parameter gradients.</summary>
        public virtual void EmitShaderParameterGradient(ShaderEmitContext context, OpNode node)
        {
        }

        /// <summary>The shader for ∂loss/∂(input <paramref name="slot"/>), as <see cref="EmitInputGradient"/>.</summary>
        public virtual void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
        }

        /// <summary>
        /// The host call a training step makes before it submits, for an op that draws from the seeded streams
        /// (<see cref="UsesSeed"/>): it writes this step's key (and what else the op reads) into the op's two scalar slots.
        /// </summary>
        public virtual string ShaderStepSetup(ShaderEmitContext context, OpNode node) => "";

        /// <summary>The shaders after the gradients of a real training step (batch norm's running statistics).</summary>
        public virtual void EmitShaderTrainingStepEnd(ShaderEmitContext context, OpNode node)
        {
        }

        protected static string Int(int value) => CodeWriter.Int(value);
    }

    /// <summary>The op registry: one line per op kind.</summary>
    internal static class OpRegistry
    {
        private static readonly OpDefinition[] Definitions =
        {
            InputOp.Instance,       // OpKind.Input
            DenseOp.Instance,       // OpKind.Dense
            BatchNormOp.Instance,   // OpKind.BatchNorm
            ActivationOp.Instance,  // OpKind.Activation
            DropoutOp.Instance,     // OpKind.Dropout
            AddOp.Instance,         // OpKind.Add
            ConcatOp.Instance,      // OpKind.Concat
            HighwayGateOp.Instance, // OpKind.HighwayGate
            Conv2DOp.Instance,      // OpKind.Conv2D
            Pool2DOp.Max,           // OpKind.MaxPool2D
            Pool2DOp.Average,       // OpKind.AvgPool2D
            Conv2DOp.Unshared,      // OpKind.LocallyConnected2D
            EmbeddingOp.Instance,   // OpKind.Embedding
            RecurrentOp.Instance,   // OpKind.Recurrent
            TimeMajorOp.Instance,   // OpKind.TimeMajor
            MaxoutOp.Instance,      // OpKind.Maxout
            PReLUOp.Instance,       // OpKind.PReLU
            GaussianNoiseOp.Instance, // OpKind.GaussianNoise
            RReLUOp.Instance,       // OpKind.RReLU
            RbfOp.Instance,         // OpKind.Rbf
        };

        public static OpDefinition For(OpKind kind) => Definitions[(int)kind];
    }

    /// <summary>The model input: the caller's span; nothing to compute.</summary>
    internal sealed class InputOp : OpDefinition
    {
        public static readonly InputOp Instance = new InputOp();

        public override bool HasDeviceKernels(OpNode node) => true;

        public override bool HasShaders(OpNode node) => true;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
        }
    }
}
