package org.legonet.cli;

import static java.util.Map.entry;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.legonet.core.IdConflictException;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.ModelLockedException;
import org.legonet.core.TargetExistsException;

/**
 * Core's messages in the command line's words. Core names settings as {@link
 * org.legonet.core.ModelConfig} does and never a flag; here a setting becomes the flag that sets
 * it, and a remedy names the flag or command a user of {@code legonet} has.
 */
final class CliMessages {
    /**
     * The flag for each setting, by the name {@link org.legonet.core.ModelConfig} (or the run's
     * options) gives it.
     */
    static final Map<String, String> FLAGS = Map.ofEntries(
            entry("encoder", "--encoder"),
            entry("adapters", "--adapters"),
            entry("activate", "--activate"),
            entry("adapter", "--adapter"),
            entry("keys", "--keys"),
            entry("distance", "--distance"),
            entry("balance", "--no-balance"),
            entry("aggregate", "--aggregate"),
            entry("optimizer", "--optimizer"),
            entry("epochs", "--epochs"),
            entry("batchSize", "--batch"),
            entry("learningRate", "--lr"),
            entry("cosine", "--lr-schedule"),
            entry("momentum", "--momentum"),
            entry("weightDecay", "--weight-decay"),
            entry("cover", "--cover"),
            entry("seed", "--seed"),
            entry("classes", "--classes"),
            entry("threads", "--threads"));

    private CliMessages() {
    }

    /** The message to print for {@code e}: core's own, translated where core named a setting or a remedy. */
    static String of(Exception e) {
        if (e instanceof InvalidSettingException s) {
            return setting(s.setting(), s.getMessage());
        }
        if (e instanceof org.legonet.core.IdKeyException k && k.dir() != null) {
            return k.missing() ? "no id key for " + k.dir() + ", whose id hashes are keyed: " + IdKeyOptions.howToGive(k.dir())
                    : k.getMessage() + " (" + IdKeyOptions.howToGive(k.dir()) + ")";
        }
        if (e instanceof TargetExistsException t) {
            return t.dir() + " already exists; pass --force to replace it";
        }
        if (e instanceof ModelLockedException l) {
            return "model directory " + l.dir() + " is locked by another writer: its .lock file is held by a running "
                    + "'legonet serve' or forget; send forget requests to the service, or try again when it has stopped";
        }
        if (e instanceof IdConflictException c && c.reason() == IdConflictException.Reason.FORGOTTEN) {
            List<Long> ids = c.ids();
            String list = ids.stream().limit(10).map(String::valueOf).collect(Collectors.joining(", "))
                    + (ids.size() > 10 ? ", ... " + ids.size() + " in all" : "");
            return "sample id" + (ids.size() == 1 ? " " : "s ") + list + " "
                    + (c.ids().size() == 1 ? "was" : "were") + " forgotten; pass --readd-forgotten to add "
                    + (c.ids().size() == 1 ? "it" : "them") + " again; nothing was added";
        }
        return e.getMessage();
    }

    /**
     * {@code message} with the setting's flag in place of its name: "set S in the configuration"
     * becomes "pass FLAG", and S standing alone as a word becomes FLAG (not inside a path or a
     * longer name). A setting without a flag leaves the message as it is.
     */
    static String setting(String setting, String message) {
        String flag = setting == null ? null : FLAGS.get(setting);
        if (flag == null || message == null) {
            return message;
        }
        String name = Pattern.quote(setting);
        String m = message.replaceAll("\\bset " + name + " in the configuration\\b",
                Matcher.quoteReplacement("pass " + flag));
        return m.replaceAll("(?<![\\w./\\\\-])" + name + "(?![\\w/\\\\-]|\\.\\w)", Matcher.quoteReplacement(flag));
    }
}
