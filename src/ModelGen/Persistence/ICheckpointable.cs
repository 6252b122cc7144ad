using System.Numerics;
namespace ModelGen.Persistence;

/// <summary>One optimizer state buffer, laid out like the parameter buffer, under PyTorch's name for it (<c>exp_avg</c>…).</summary>
public readonly record struct OptimizerSlot<T>(string Name, Memory<T> Buffer);

/// <summary>Where training stands: optimizer steps taken (the learning-rate schedule's position, Adam's bias correction)
/// and, for a model with dropout, the seed that with the step selects the masks (null otherwise).</summary>
public readonly record struct TrainingPosition(long Step, int? DropoutSeed);

/// <summary>
/// What a generated network exposes to save and load itself: its manifest and buffers, optimizer state, training
/// position and gate. Implemented explicitly by generated code; call the model's Save/Load methods instead.
/// </summary>
public interface ICheckpointable<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The model class's name, for messages.</summary>
    string ModelName { get; }

    /// <summary>Every tensor, as the model's Manifest.</summary>
    IReadOnlyList<ParameterInfo> Manifest { get; }

    /// <summary>The trainable parameter buffer.</summary>
    Memory<T> Parameters { get; }

    /// <summary>The state buffer (batch-norm running statistics).</summary>
    Memory<T> State { get; }

    /// <summary>The optimizer's name (Adam, Sgd…), recorded in checkpoints.</summary>
    string Optimizer { get; }

    /// <summary>The optimizer's state buffers (none for plain SGD).</summary>
    IReadOnlyList<OptimizerSlot<T>> OptimizerState { get; }

    /// <summary>Steps taken and dropout seed; set only under the write gate.</summary>
    TrainingPosition Position { get; set; }

    /// <summary>The model's reader/writer gate: saving reads, loading writes.</summary>
    ModelGate Gate { get; }
}
