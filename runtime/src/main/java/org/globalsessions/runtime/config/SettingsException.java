package org.globalsessions.runtime.config;

/**
 * A configuration that cannot be used. The message names where it came from (file and line
 * where known), the key, the value, and what would be accepted.
 */
public final class SettingsException extends RuntimeException {

    public SettingsException(String message) {
        super(message);
    }

    public SettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
