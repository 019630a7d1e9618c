package org.legonet.core;

/**
 * A setting outside what it can be: {@link #setting()} names it as {@link ModelConfig} (or the
 * run's options) names it, for example {@code adapters}, {@code activate}, {@code classes} or
 * {@code threads}, so that a command line can name its own flag and a service its own field.
 *
 * <p>The message names the setting by that same name, as a word (for example "classes must be
 * positive ..." or "... set classes in the configuration ..."), so a front end can put its own name
 * for the setting in its place.
 */
public class InvalidSettingException extends LegoNetException {
    private static final long serialVersionUID = 1L;
    private final String setting;

    public InvalidSettingException(String setting, String message) {
        super(message);
        this.setting = setting;
    }

    /** The setting's name. */
    public String setting() {
        return setting;
    }
}
