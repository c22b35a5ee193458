package org.globalsessions.sample;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import org.globalsessions.spring.GlobalSessionsConcurrencyControl;

/**
 * Every page needs a login; the sample's own login and logout pages ({@link LoginController}), so
 * that a login refused at the cap on sessions per user shows why; one user.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    /**
     * {@code cap} refuses a login at global-sessions' cap before the session is written; added
     * (not set) so that it runs before the id change Spring Security makes at login, and keeps it.
     * The login page, with its {@code ?error} and {@code ?logout}, is open to everyone.
     */
    @Bean
    SecurityFilterChain filterChain(HttpSecurity http, GlobalSessionsConcurrencyControl cap) throws Exception {
        return http
                .authorizeHttpRequests(requests -> requests.requestMatchers("/login").permitAll().anyRequest().authenticated())
                .formLogin(form -> form.loginPage("/login").failureHandler(LoginController::failed))
                .logout(Customizer.withDefaults())
                .sessionManagement(session -> session.addSessionAuthenticationStrategy(cap))
                .build();
    }

    @Bean
    UserDetailsService users(@Value("${sample.password}") String password) {
        if (password.isBlank()) {
            throw new IllegalArgumentException("sample.password is empty: start the sample with --sample.password=... (alice's password)");
        }
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        return new InMemoryUserDetailsManager(User.withUsername("alice").password(encoder.encode(password)).roles("USER").build());
    }
}
