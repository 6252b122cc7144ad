using System.Diagnostics;
using System.IO.Compression;

namespace ModelGen.Tests;

/// <summary>
/// What a new user does: pack ModelGen, reference the nupkg from a local feed in a fresh project outside the
/// solution, declare a model, build and train it.
/// </summary>
public class PackageConsumerTests
{
    /// <summary>Packs ModelGen into a local feed under <paramref name="work"/>; returns the feed and the version.</summary>
    private static (string Feed, string Version) Pack(string work)
    {
        string root = RepositoryRoot();
        string feed = Path.Combine(work, "feed");
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff") + "." + Guid.NewGuid().ToString("N")[..6];
        // A separate artifacts folder keeps this build from touching the outputs of the running test session.
        Run("dotnet", $"pack \"{Path.Combine(root, "src", "ModelGen")}\" -c Release -o \"{feed}\" -p:PackageVersion={version} -p:ArtifactsPath=\"{Path.Combine(work, "artifacts")}\"", root);
        return (feed, version);
    }

    private static void WriteProject(string app, string feed, string version, bool warningsAsErrors)
    {
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <TreatWarningsAsErrors>{(warningsAsErrors ? "true" : "false")}</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelGen" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
    }

    [Fact]
    public void PitfallsAppearInDotnetBuildWithEditorConfigSeverities()
    {
        string work = Directory.CreateTempSubdirectory("modelgen-pitfalls-").FullName;
        try
        {
            var (feed, version) = Pack(work);
            string app = Path.Combine(work, "app");
            WriteProject(app, feed, version, warningsAsErrors: false);
            File.WriteAllText(Path.Combine(app, ".editorconfig"), """
                root = true
                [*.cs]
                dotnet_diagnostic.MG0019.severity = none
                dotnet_diagnostic.MG0021.severity = error
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using ModelGen;

                System.Console.WriteLine(new Sloppy().Step);

                [Model(InputSize = 4, Seed = 1)]
                [SoftmaxCrossEntropy]
                [Adam(LearningRate = 0.05f, Epsilon = 1e-12f)]
                partial class Sloppy
                {
                    [Dense(16)] partial Dense Projection { get; }
                    [Dense(3, Activation.ReLU)] partial Dense Logits { get; }
                }

                [Model(InputSize = 4, Seed = 2, BatchSize = 16)]
                [BinaryCrossEntropy]
                [RmsProp(LearningRate = 1e-3f), WeightDecay(1e-4f, IncludeBiases = true)]
                partial class Tagger
                {
                    [Dense(16, Activation.ReLU, Dropout = 0.8f)] partial Dense Hidden { get; }
                    [Dense(3, Activation.Sigmoid)] partial Dense Tags { get; }
                }

                static class Scores
                {
                    public static void Normalize(float[] logits, float[] p) => System.Numerics.Tensors.TensorPrimitives.SoftMax(logits, p);
                }
                """);
            string output = RunAllowingFailure("dotnet", "build -c Release", app, out int exitCode);
            Assert.Contains("warning MG0005", output);   // linear layers stacked
            Assert.Contains("warning MG0011", output);   // ReLU on the logits
            Assert.Contains("warning MG0013", output);   // high learning rate, no clipping
            Assert.Contains("error MG0021", output);     // raised to error by .editorconfig
            Assert.Contains("warning MG0015", output);   // dropout 0.8 on a hidden layer
            Assert.Contains("warning MG0017", output);   // weight decay on biases
            Assert.Contains("error MG0008", output);     // sigmoid output under the fused binary cross-entropy
            Assert.Contains("warning MG0101", output);   // TensorPrimitives.SoftMax in ordinary code
            Assert.DoesNotContain("MG0019", output);     // silenced by .editorconfig
            Assert.NotEqual(0, exitCode);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Models the generator cannot build still compile, so the command-line compiler reaches the analyzers and the user
    /// sees why in `dotnet build` (not a bare CS9248 "partial property must have an implementation part").
    /// </summary>
    [Fact]
    public void SkippedModelsShowTheirReasonInDotnetBuild()
    {
        string work = Directory.CreateTempSubdirectory("modelgen-skipped-").FullName;
        try
        {
            var (feed, version) = Pack(work);
            string app = Path.Combine(work, "app");
            WriteProject(app, feed, version, warningsAsErrors: false);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using ModelGen;

                System.Console.WriteLine("unreachable");

                [Model(InputSize = 4, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)]
                public partial class Generic<TItem> { [Dense(3)] public partial Dense Output { get; } }

                [Model(InputSize = 4, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)]
                public partial record Recorded { [Dense(3)] public partial Dense Output { get; } }

                [Model(InputSize = 4, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)]
                public partial class WrongType { [Dense(3)] public partial int Output { get; } }

                public partial class Service
                {
                    [Model(InputSize = 4, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)]
                    private partial class Nested { [Dense(3)] partial Dense Output { get; set; } }
                }

                [Model(InputSize = 4, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)]
                public partial class Mismatched
                {
                    [Dense(8, Activation.ReLU)] partial Dense Trunk { get; }
                    [Dense(3, Residual = nameof(Trunk))] partial Dense Output { get; }
                }
                """);
            string output = RunAllowingFailure("dotnet", "build -c Release", app, out int exitCode);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("error MG1007: Model 'Generic'", output);
            Assert.Contains("error MG1007: Model 'Recorded'", output);
            Assert.Contains("error MG1005: Layer 'Output' must be an instance property", output);
            Assert.Contains("error MG0023: Layer 'Output' does not fit its wiring", output);
            // The wrong type and the setter: two sites (dotnet build prints each error twice, once more in its summary).
            var sites = output.Split('\n').Where(l => l.Contains("error MG1005", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(": error", StringComparison.Ordinal)].Trim()).Distinct();
            Assert.Equal(2, sites.Count());
            Assert.DoesNotContain("error CS", output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void FreshProjectReferencingThePackageBuildsAndTrains()
    {
        string work = Directory.CreateTempSubdirectory("modelgen-consumer-").FullName;
        try
        {
            var (feed, version) = Pack(work);
            string package = Path.Combine(feed, $"ModelGen.{version}.nupkg");
            using (ZipArchive zip = ZipFile.OpenRead(package))
            {
                string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
                Assert.Contains("lib/net10.0/ModelGen.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ModelGen.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ModelGen.Analyzers.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ModelGen.CodeFixes.dll", entries);
                Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));
                using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
                string manifest = nuspec.ReadToEnd();
                Assert.Contains("System.Numerics.Tensors", manifest);
                Assert.DoesNotContain("Microsoft.CodeAnalysis", manifest);
            }

            string app = Path.Combine(work, "app");
            WriteProject(app, feed, version, warningsAsErrors: true);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using ModelGen;

                var net = new Xor();
                float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
                int[] labels = { 0, 1, 1, 0 };
                float first = net.TrainStep(inputs, labels), last = first;
                for (int i = 0; i < 1000; i++)
                    last = net.TrainStep(inputs, labels);
                float[] probabilities = new float[8];
                net.Predict(inputs, probabilities);
                int correct = 0;
                for (int i = 0; i < 4; i++)
                    if ((probabilities[2 * i + 1] > 0.5f ? 1 : 0) == labels[i]) correct++;
                System.Console.WriteLine($"loss {first:F4} -> {last:F4}, {correct}/4 correct, {net.Hidden}");
                return correct == 4 && last < first ? 0 : 1;

                [Model(InputSize = 2, Seed = 1)]
                [SoftmaxCrossEntropy]
                [Adam(LearningRate = 0.01f), ClipGlobalNorm(5f)]
                partial class Xor
                {
                    [Dense(8, Activation.Tanh)] public partial Dense Hidden { get; }
                    [Dense(2)] partial Dense Logits { get; }
                }
                """);
            string output = Run("dotnet", "run -c Release", app);
            Assert.Contains("4/4 correct", output);
            Assert.Contains("Xor.Hidden: Dense [2 → 8], Tanh", output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return directory.FullName;
        throw new InvalidOperationException("ModelGen.sln not found above " + AppContext.BaseDirectory);
    }

    internal static string Run(string file, string arguments, string directory)
    {
        string output = RunAllowingFailure(file, arguments, directory, out int exitCode);
        Assert.True(exitCode == 0, $"'{file} {arguments}' exited with {exitCode}:\n{output}");
        return output;
    }

    internal static string RunAllowingFailure(string file, string arguments, string directory, out int exitCode)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // Don't let the outer test run's MSBuild settings leak into the child build.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{file} {arguments}' timed out");
        }
        exitCode = process.ExitCode;
        return stdout.Result + stderr.Result;
    }
}
