using ModelGen;

// Saves checkpoints of a 5.8M-parameter model to one path, over and over, until killed: the persistence tests kill it
// mid-save and check that the file still holds one whole checkpoint. Before save n every parameter is set to n, so a
// torn file would show two values.
string path = args.Length == 1 ? args[0] : throw new ArgumentException("usage: ModelGen.CheckpointWriter <checkpoint path>");
var model = new LargeNet();
for (int n = 1; ; n++)
{
    model.Parameters.Fill(n);
    model.SaveCheckpoint(path);
    Console.WriteLine($"saved {n}");
}

/// <summary>Large enough that a save takes tens of milliseconds: 784 → 2048 → 2048 → 10, Adam (three buffers saved).</summary>
[Model(InputSize = 784, Seed = 1)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
public partial class LargeNet
{
    [Dense(2048, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(2048, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
