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
