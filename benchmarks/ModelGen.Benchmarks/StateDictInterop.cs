using ModelGen.Benchmarks.Peers;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// Weights cross between libtorch and ModelGen through safetensors files written and read by an independent
/// implementation (TorchSharp.PyBridge): a libtorch nn.Sequential named like <see cref="RegularizedMlp"/>'s manifest
/// (Linear without bias, BatchNorm1d, ReLU, Dropout, twice, then Linear), initialized by libtorch and trained a few
/// steps so the running statistics move, is saved by PyBridge and loaded by ModelGen; ModelGen's weights are saved and
/// loaded back into libtorch (strict). In eval mode both must predict the same class probabilities.
/// </summary>
public static class StateDictInterop
{
    public static int Run()
    {
        Peer.Initialize();
        manual_seed(2026);
        var network = nn.Sequential(
            ("Hidden1", nn.Linear(784, 256, hasBias: false)), ("Norm1", nn.BatchNorm1d(256)), ("relu1", nn.ReLU()), ("drop1", nn.Dropout(0.3)),
            ("Hidden2", nn.Linear(256, 128, hasBias: false)), ("Norm2", nn.BatchNorm1d(128)), ("relu2", nn.ReLU()), ("drop2", nn.Dropout(0.3)),
            ("Logits", nn.Linear(128, 10)));
        var optimizer = optim.Adam(network.parameters(), lr: 1e-2);
        network.train();
        for (int step = 0; step < 5; step++)
        {
            optimizer.zero_grad();
            using Tensor inputs = randn(64, 784), labels = randint(0, 10, [64]);
            using Tensor loss = nn.functional.cross_entropy(network.call(inputs), labels);
            loss.backward();
            optimizer.step();
        }
        network.eval();

        string folder = Path.Combine(Path.GetTempPath(), $"modelgen-interop-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            float[] inputs = randn(32, 784).data<float>().ToArray();
            float[] torchProbabilities = Probabilities(network, inputs);

            string fromTorch = Path.Combine(folder, "torch.safetensors");
            network.save_safetensors(fromTorch);
            var model = new RegularizedMlp();
            model.Load(fromTorch);
            float[] modelGenProbabilities = new float[32 * 10];
            model.Predict(inputs, modelGenProbabilities);
            double torchToModelGen = MaxDifference(torchProbabilities, modelGenProbabilities);

            string fromModelGen = Path.Combine(folder, "modelgen.safetensors");
            var trained = new RegularizedMlp(seed: 7);
            for (int step = 0; step < 5; step++)
            {
                using Tensor batch = randn(64, 784), labels = randint(0, 10, [64]);
                trained.TrainStep(batch.data<float>().ToArray(), labels.data<long>().ToArray().Select(l => (int)l).ToArray());
            }
            trained.Save(fromModelGen);
            network.load_safetensors(fromModelGen, strict: true);
            float[] expected = new float[32 * 10];
            trained.Predict(inputs, expected);
            double modelGenToTorch = MaxDifference(expected, Probabilities(network, inputs));

            Console.WriteLine($"state-dict interop: libtorch → ModelGen max |Δp| {torchToModelGen:E2}, ModelGen → libtorch max |Δp| {modelGenToTorch:E2}");
            return torchToModelGen <= 1e-5 && modelGenToTorch <= 1e-5 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float[] Probabilities(nn.Module<Tensor, Tensor> network, float[] inputs)
    {
        using var noGrad = no_grad();
        using Tensor x = tensor(inputs, [inputs.Length / 784, 784]);
        using Tensor probabilities = nn.functional.softmax(network.call(x), 1);
        return probabilities.data<float>().ToArray();
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
