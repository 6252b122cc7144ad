namespace ModelGen.Training;

/// <summary>
/// A generated model with one loss, seen by the <see cref="Trainer"/>: its entry points and sizes per sample. Every
/// single-head model implements it — <c>ISupervisedModel&lt;float, int&gt;</c> for class labels,
/// <c>ISupervisedModel&lt;float, float&gt;</c> for regression or probability targets, <c>&lt;int, …&gt;</c> for token inputs.
/// </summary>
/// <typeparam name="TInput">float features, or int token ids.</typeparam>
/// <typeparam name="TTarget">int class labels, or float targets.</typeparam>
public interface ISupervisedModel<TInput, TTarget>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    /// <summary>Input elements per sample (features, or token ids).</summary>
    int InputsPerSample { get; }

    /// <summary>Target elements per sample: 1 label, one per step of a sequence, or the output width of float targets.</summary>
    int TargetsPerSample { get; }

    /// <summary>Values Predict writes per sample.</summary>
    int OutputsPerSample { get; }

    /// <summary>Trainable parameters, all layers together, as a live view.</summary>
    Span<float> Parameters { get; }

    /// <summary>Non-trainable state (batch-norm running statistics), as a live view.</summary>
    Span<float> State { get; }

    /// <summary>Optimizer steps taken.</summary>
    long Step { get; }

    /// <summary>One training step; returns the mean loss before the update.</summary>
    float TrainStep(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Mean loss on a batch, without changing the model.</summary>
    float ComputeLoss(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Inference on a batch.</summary>
    void Predict(ReadOnlySpan<TInput> inputs, Span<float> outputs);

    /// <summary>Writes weights, optimizer state and the training position, to resume from.</summary>
    void SaveCheckpoint(string path);
}
