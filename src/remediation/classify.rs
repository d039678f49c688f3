//! The risk class of a fix, decided by fixed signals in a fixed order, so
//! the same rule and fixes always land in the same class and the plan can
//! say which signal decided it (docs/remediation.md):
//!
//! 1. **high** when a fix says it needs a reboot (`reboot="true"`);
//! 2. **high** when a fix's `disruption` is `high`;
//! 3. **high** when the rule is about authentication or accounts (PAM,
//!    passwords, sudo, login), the boot chain (GRUB, kernel arguments,
//!    audit at boot, FIPS), or the network (firewall, SSH daemon, network
//!    sysctls): the rule id and title name it;
//! 4. **medium** when a fix's `disruption` is `medium`, its `strategy`
//!    enables, disables, patches or updates something, or the rule is a
//!    service or package rule (`service_`, `package_`, `_installed`,
//!    `_removed`, or the fix's script enables, restarts or installs);
//! 5. **low** when every fix is a `configure` or `restrict` strategy with
//!    `low` disruption and no reboot;
//! 6. **high** otherwise: what a fix does is unknown (no strategy, no
//!    disruption: text guidance usually), and unknown is high.
//!
//! The fixes judged are those the plan carries (Ansible, shell and text);
//! a rule with only other fixes (Puppet, Anaconda, Kubernetes) is judged
//! by those.

use crate::ingest::Fix;
use crate::model::RiskClass;

/// Rule words of the high classes, with the domain each names.
const HIGH_WORDS: &[(&str, &str)] = &[
    ("pam", "authentication (PAM)"),
    ("password", "authentication (passwords)"),
    ("passwd", "authentication (passwords)"),
    ("faillock", "authentication (account lockout)"),
    ("pwquality", "authentication (password quality)"),
    ("authselect", "authentication (authselect)"),
    ("sudo", "privilege (sudo)"),
    ("account", "accounts"),
    ("login", "accounts (login)"),
    ("shadow", "accounts (shadow file)"),
    ("sssd", "authentication (SSSD)"),
    ("kerberos", "authentication (Kerberos)"),
    ("grub", "boot (GRUB)"),
    ("bootloader", "boot (boot loader)"),
    ("boot", "boot"),
    ("kernel", "kernel"),
    ("audit_argument", "audit at boot"),
    ("fips", "boot (FIPS mode)"),
    ("firewall", "network (firewall)"),
    ("iptables", "network (firewall)"),
    ("nftables", "network (firewall)"),
    ("sshd", "network (SSH daemon)"),
    ("ssh", "network (SSH)"),
    ("sysctl_net", "network (kernel network parameters)"),
    ("network", "network"),
];

/// Rule words of the medium class.
const MEDIUM_WORDS: &[&str] = &["service_", "package_", "_installed", "_removed", "timer_"];

/// What in a script says it changes a service or a package.
const MEDIUM_SCRIPT: &[&str] = &[
    "systemctl ",
    "service:",
    "systemd:",
    "ansible.builtin.service",
    "ansible.builtin.systemd",
    "package:",
    "ansible.builtin.package",
    "yum install",
    "yum remove",
    "dnf install",
    "dnf remove",
    "apt-get install",
    "apt-get remove",
    "zypper install",
];

/// The systems the plan renders: these decide the class when present.
fn rendered(system: &str) -> bool {
    matches!(super::fix_kind(system), "ansible" | "sh" | "text")
}

/// The class of the rule `rule` (titled `title`) with `fixes`, and why.
pub fn classify(rule: &str, title: Option<&str>, fixes: &[Fix]) -> (RiskClass, String) {
    let judged: Vec<&Fix> = if fixes.iter().any(|f| rendered(&f.system)) {
        fixes.iter().filter(|f| rendered(&f.system)).collect()
    } else {
        fixes.iter().collect()
    };
    let word = |f: &Option<String>| f.as_deref().map(str::to_ascii_lowercase);
    if judged.iter().any(|f| f.reboot == Some(true)) {
        return (
            RiskClass::High,
            "a fix needs a reboot (reboot=\"true\")".into(),
        );
    }
    if judged
        .iter()
        .any(|f| word(&f.disruption).as_deref() == Some("high"))
    {
        return (RiskClass::High, "a fix's disruption is high".into());
    }
    let name = format!(
        "{} {}",
        short_rule(rule).to_ascii_lowercase(),
        title.unwrap_or("").to_ascii_lowercase()
    );
    if let Some((w, domain)) = HIGH_WORDS.iter().find(|(w, _)| name.contains(w)) {
        return (
            RiskClass::High,
            format!("the rule is about {domain} (its id or title names `{w}`)"),
        );
    }
    if judged
        .iter()
        .any(|f| word(&f.disruption).as_deref() == Some("medium"))
    {
        return (RiskClass::Medium, "a fix's disruption is medium".into());
    }
    if let Some(s) = judged.iter().find_map(|f| {
        word(&f.strategy)
            .filter(|s| matches!(s.as_str(), "enable" | "disable" | "patch" | "update"))
    }) {
        return (
            RiskClass::Medium,
            format!("a fix's strategy is `{s}` (a service or package change)"),
        );
    }
    if let Some(w) = MEDIUM_WORDS.iter().find(|w| name.contains(*w)) {
        return (
            RiskClass::Medium,
            format!("the rule is a service or package rule (its id names `{w}`)"),
        );
    }
    if let Some(w) = judged.iter().find_map(|f| {
        (f.system != Fix::TEXT)
            .then(|| MEDIUM_SCRIPT.iter().find(|w| f.content.contains(*w)))
            .flatten()
    }) {
        return (
            RiskClass::Medium,
            format!(
                "a fix changes a service or package (its script has `{}`)",
                w.trim()
            ),
        );
    }
    let low = !judged.is_empty()
        && judged.iter().all(|f| {
            matches!(word(&f.strategy).as_deref(), Some("configure" | "restrict"))
                && word(&f.disruption).as_deref() == Some("low")
                && f.reboot != Some(true)
        });
    if low {
        return (
            RiskClass::Low,
            "a configuration value: configure/restrict strategy, low disruption, no reboot".into(),
        );
    }
    (
        RiskClass::High,
        "unknown: no fix states a configure/restrict strategy with low disruption".into(),
    )
}

/// The rule id without the SCAP Security Guide's namespace prefix.
pub fn short_rule(rule: &str) -> &str {
    rule.rsplit_once("_rule_").map_or(rule, |(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(system: &str, strategy: &str, disruption: &str, reboot: bool, content: &str) -> Fix {
        Fix {
            system: system.into(),
            strategy: Some(strategy.into()),
            disruption: Some(disruption.into()),
            reboot: Some(reboot),
            content: content.into(),
            ..Fix::default()
        }
    }

    const SH: &str = "urn:xccdf:fix:script:sh";

    #[test]
    fn each_signal_decides_in_order() {
        let low = fix(SH, "restrict", "low", false, "echo x > /etc/x");
        let c = |rule: &str, fixes: &[Fix]| classify(rule, None, fixes).0;
        assert_eq!(
            c(
                "xccdf_org.ssgproject.content_rule_coredump_disable_storage",
                std::slice::from_ref(&low)
            ),
            RiskClass::Low
        );
        assert_eq!(
            c("r", &[fix(SH, "restrict", "low", true, "")]),
            RiskClass::High
        );
        assert_eq!(
            c("r", &[fix(SH, "restrict", "high", false, "")]),
            RiskClass::High
        );
        assert_eq!(
            c(
                "xccdf_org.ssgproject.content_rule_accounts_password_pam_minlen",
                std::slice::from_ref(&low)
            ),
            RiskClass::High
        );
        assert_eq!(
            c(
                "xccdf_org.ssgproject.content_rule_sshd_set_idle_timeout",
                std::slice::from_ref(&low)
            ),
            RiskClass::High
        );
        assert_eq!(
            c("r", &[fix(SH, "restrict", "medium", false, "")]),
            RiskClass::Medium
        );
        assert_eq!(
            c("r", &[fix(SH, "enable", "low", false, "")]),
            RiskClass::Medium
        );
        assert_eq!(
            c(
                "xccdf_org.ssgproject.content_rule_package_aide_installed",
                std::slice::from_ref(&low)
            ),
            RiskClass::Medium
        );
        assert_eq!(
            c(
                "r",
                &[fix(SH, "configure", "low", false, "systemctl restart x")]
            ),
            RiskClass::Medium
        );
        assert_eq!(
            c("r", &[Fix::text("Edit the file.".into())]),
            RiskClass::High
        );
        assert_eq!(c("r", &[]), RiskClass::High);
        // Other systems do not decide when a rendered one is there.
        let puppet = fix("urn:xccdf:fix:script:puppet", "enable", "high", true, "");
        assert_eq!(c("r", &[low, puppet]), RiskClass::Low);
    }
}
