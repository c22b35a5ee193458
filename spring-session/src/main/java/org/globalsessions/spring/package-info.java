/**
 * Spring Session on global-sessions: {@link org.globalsessions.spring.GlobalSessionsSessionRepository}
 * and its Spring Boot auto-configuration ({@link org.globalsessions.spring.GlobalSessionsAutoConfiguration},
 * properties {@code global-sessions.*}).
 */
package org.globalsessions.spring;
