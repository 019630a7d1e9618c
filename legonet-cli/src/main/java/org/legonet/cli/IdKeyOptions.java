package org.legonet.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.legonet.core.IdKey;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import picocli.CommandLine.Option;

/**
 * The {@code --id-key-file} option of every command that hashes sample ids (train, quickstart,
 * forget, add, eval, serve, retrain, rekey), and where the key is looked for without it: the
 * environment variable {@value IdKey#ENV}, then the file {@code DIR.idkey} beside the model
 * directory (never inside it, so that copying or publishing the directory does not give the key
 * away). {@code train} creates that file when no key is found.
 */
public final class IdKeyOptions {
    /** What the default key file's name adds to the model directory's. */
    static final String SUFFIX = ".idkey";

    @Option(names = "--id-key-file", paramLabel = "FILE",
            description = "File with the model's id key (64 hex digits), which keys the id hashes the deletion log "
                    + "and the receipts keep, so that the model directory alone does not reveal which ids were "
                    + "forgotten (default: the environment variable " + IdKey.ENV + ", else the file DIR" + SUFFIX
                    + " beside the model directory; train creates it when there is none). Keep it apart from the "
                    + "model directory.")
    Path file;

    /** The default key file of model directory {@code model}: {@code DIR.idkey} in its parent directory. */
    static Path defaultFile(Path model) {
        Path dir = model.toAbsolutePath().normalize();
        return dir.resolveSibling(dir.getFileName() + SUFFIX);
    }

    /** The one line naming every way to give the key of {@code model}. */
    static String howToGive(Path model) {
        return "pass --id-key-file FILE, set " + IdKey.ENV + ", or keep the key in " + defaultFile(model);
    }

    /**
     * The key of {@code model}: {@code --id-key-file}, else {@value IdKey#ENV} in {@code env}, else
     * the default file if it exists; null when there is none. A key file others may read gets a
     * warning on {@code err}.
     */
    IdKey find(Path model, Map<String, String> env, PrintWriter err) {
        if (file != null) {
            return readWarning(file, model, err);
        }
        String text = env.get(IdKey.ENV);
        if (text != null && !text.isBlank()) {
            try {
                return IdKey.parse(text);
            } catch (LegoNetException e) {
                throw new LegoNetException(IdKey.ENV + " holds no id key: " + e.getMessage());
            }
        }
        Path d = defaultFile(model);
        return Files.exists(d) ? readWarning(d, model, err) : null;
    }

    /**
     * The id key of a new model directory, and where it is kept.
     *
     * @param key    the key
     * @param file   the key file it was read from or is to be written to; null when it came from
     *               {@value IdKey#ENV}
     * @param create whether {@link #persist} writes it (a new key)
     */
    record NewKey(IdKey key, Path file, boolean create) {
        /** Writes a new key to its file (owner-only, never over an existing file); call it just before the model is saved. */
        void persist() {
            if (create) {
                key.write(file);
            }
        }

        /** Where the key is, for the summary a command prints. */
        String describe() {
            if (file == null) {
                return "from " + IdKey.ENV;
            }
            return file + (create ? " (new: keep it apart from the model directory and back it up; forget, add, "
                    + "eval and serve need it)" : "");
        }

        /** {@link #file} as JSON shows it (null for the environment). */
        String fileName() {
            return file == null ? null : file.toString();
        }
    }

    /**
     * The key a new model directory {@code model} gets: the one {@link #find} finds, else a new one
     * to be written ({@link NewKey#persist}) to {@code --id-key-file} (when that file does not exist
     * yet) or the default file, never inside the model directory. Nothing is written here, so a
     * command that fails before saving leaves no key file behind.
     */
    NewKey forNewModel(Path model, Map<String, String> env, PrintWriter err) {
        IdKey found = existing(model, env, err);
        if (found != null) {
            boolean fromFile = file != null || env.get(IdKey.ENV) == null || env.get(IdKey.ENV).isBlank();
            return new NewKey(found, fromFile ? (file != null ? file : defaultFile(model)) : null, false);
        }
        Path target = (file != null ? file : defaultFile(model)).toAbsolutePath().normalize();
        if (target.startsWith(model.toAbsolutePath().normalize())) {
            throw new LegoNetException("the id key file " + target + " must not be inside the model directory: "
                    + "whoever holds the directory would hold the key");
        }
        return new NewKey(IdKey.generate(), target, true);
    }

    /** What {@link #find} finds, except that a {@code --id-key-file} that does not exist yet gives null. */
    private IdKey existing(Path model, Map<String, String> env, PrintWriter err) {
        return file != null && !Files.exists(file) ? null : find(model, env, err);
    }

    /**
     * The one warning an unkeyed (older) model gets per command: its deletion log can be reversed.
     */
    static void warnIfUnkeyed(LegoNet net, Path model, PrintWriter err) {
        if (!net.keyedIdHashes()) {
            err.println("warning: " + model + " keeps unkeyed id hashes (written before LegoNet keyed them): anyone "
                    + "who holds the directory can find which ids were forgotten; run 'legonet rekey --model "
                    + model + " --data PATH' to key them");
            err.flush();
        }
    }

    private static IdKey readWarning(Path keyFile, Path model, PrintWriter err) {
        IdKey key = IdKey.read(keyFile);
        if (keyFile.toAbsolutePath().normalize().startsWith(model.toAbsolutePath().normalize())) {
            err.println("warning: the id key file " + keyFile + " is inside the model directory: whoever holds the "
                    + "directory holds the key; move it out");
        }
        if (IdKey.readableByOthers(keyFile)) {
            err.println("warning: " + keyFile + " can be read by other users; chmod 600 it");
        }
        err.flush();
        return key;
    }
}
