using System.Linq;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// What the device backends' entry points share with the CPU model's: the same input checks (so a device network
    /// throws the CPU's exceptions with its messages), and the weight copies to and from the CPU model.
    /// </summary>
    internal static class DeviceEntryPoints
    {
        /// <summary><c>int batch = InputGuard.BatchSize…</c> for <paramref name="entry"/> ("TrainStep"…).</summary>
        public static string InputGuard(CheckedModel model, string entry)
            => $"int batch = global::ModelGen.InputGuard.BatchSize<float>(ModelName, \"{entry}\", inputs, {model.Declaration.InputSize}, \"{model.Layers[0].Name}\");";

        /// <summary>The check of the labels or targets of the model's one head.</summary>
        public static string TargetGuard(CheckedModel model, string entry)
        {
            HeadShape head = model.Heads[0];
            int width = model.Nodes[head.Node].Width;
            return head.Loss.Kind switch
            {
                LossKind.SoftmaxCrossEntropy => $"global::ModelGen.InputGuard.Labels(ModelName, \"{entry}\", labels, batch, {width}, \"{head.Name}\");",
                LossKind.MeanSquaredError or LossKind.MeanAbsoluteError or LossKind.Huber
                    => $"global::ModelGen.InputGuard.Targets<float>(ModelName, \"{entry}\", targets, batch, {width}, \"{head.Name}\");",
                _ => $"global::ModelGen.InputGuard.ProbabilityTargets<float>(ModelName, \"{entry}\", targets, batch, {width}, \"{head.Name}\");",
            };
        }

        /// <summary>The batch-of-one rejection of a model that normalizes over the batch while training, or null.</summary>
        public static string? TrainingBatchGuard(CheckedModel model)
        {
            OpNode? normalization = model.Nodes.FirstOrDefault(n => OpRegistry.For(n.Kind).NeedsBatchStatistics);
            return normalization is null ? null
                : $"global::ModelGen.InputGuard.TrainingBatch(ModelName, \"TrainStep\", batch, \"{model.Declaration.Layers[normalization.Layer].Name}\");";
        }

        /// <summary>CopyFrom and CopyTo: the device network's parameters, optimizer state and step count from and to the CPU model.</summary>
        public static void EmitCopies(CodeWriter writer, string modelClass)
        {
            writer.Line("/// <summary>Replaces the device's parameters, optimizer state and step count with <paramref name=\"model\"/>'s.</summary>");
            writer.Open($"public void CopyFrom({modelClass} model)");
            writer.Line("global::System.ArgumentNullException.ThrowIfNull(model);");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line("CopyFromHost(model._network);");
            writer.Close();
            writer.Close();
            writer.Line();
            writer.Line("/// <summary>Writes the device's parameters, optimizer state and step count into <paramref name=\"model\"/> (waits for the device).</summary>");
            writer.Open($"public void CopyTo({modelClass} model)");
            writer.Line("global::System.ArgumentNullException.ThrowIfNull(model);");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line("CopyToHost(model._network);");
            writer.Close();
            writer.Close();
            writer.Line();
        }
    }
}
