package org.legonet.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model DIR} option of every command that works on an existing model directory. */
public final class ModelDirOption {
    @Option(names = {"--model", "-m"}, paramLabel = "DIR", required = true, description = "Model directory.")
    Path model;
}
