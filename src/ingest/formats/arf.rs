//! SCAP 1.2 and 1.3 Asset Reporting Format (ARF 1.1) as OpenSCAP's
//! `oscap xccdf eval --results-arf` writes it: the data stream that was
//! evaluated (`report-requests`, with the XCCDF `Benchmark`), the assets
//! (`ai:computing-device`), the reports (the XCCDF `TestResult`, then one
//! `oval_results` per OVAL file) and the `core:relationships` that tie a
//! report to the asset it is about.
//!
//! Each `TestResult` is one [`Scan`], its results made as the `xccdf`
//! reader makes them (the shared [`super::scap`]). The target is the
//! asset the report `isAbout` (or the `TestResult`'s `target-id-ref`): its
//! FQDN, else its host name, else its first IP address; without an asset,
//! the `TestResult`'s own target.
//!
//! **Observed values** come from the OVAL results: for each rule whose
//! check ran (pass, fail, error, unknown, fixed, informational), the OVAL
//! definition its `check-content-ref` names, the tests that definition's
//! criteria reach and the items they collected, a handful of name/value
//! pairs per rule (see [`super::oval`]). The file is read once: the
//! benchmark comes first, so rule definitions are known when the
//! `TestResult` is read; OVAL results come after the XCCDF report, so the
//! definitions wanted are known when they are read, and the values are
//! attached to the results at the end. (OVAL results placed before the
//! XCCDF report, which OpenSCAP never writes, give no observed values.)
//! The OVAL definitions, CPE dictionaries and system characteristics that
//! the data stream carries are skipped as they are read.

use super::oval::{self, Observed};
use super::scap::{self, Defs, Run, each_child, text};
use crate::ingest::detect::Head;
use crate::ingest::xml::XmlStream;
use crate::ingest::{IngestError, Reader, Scan};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

pub const NS: &str = "http://scap.nist.gov/schema/asset-reporting-format/1.1";

pub struct Arf;

#[derive(Debug, Default)]
struct Asset {
    fqdn: Option<String>,
    hostname: Option<String>,
    ips: Vec<String>,
}

impl Asset {
    fn name(&self) -> Option<String> {
        self.fqdn
            .clone()
            .or_else(|| self.hostname.clone())
            .or_else(|| self.ips.first().cloned())
    }
}

#[derive(Default)]
struct Ctx {
    defs: Defs,
    /// Each TestResult with the report that holds it.
    runs: Vec<(Option<String>, Run)>,
    assets: HashMap<String, Asset>,
    /// `isAbout`: report id → asset ids.
    about: HashMap<String, Vec<String>>,
    observed: Observed,
}

impl Reader for Arf {
    fn name(&self) -> &'static str {
        "arf"
    }

    fn describe(&self) -> &'static str {
        "SCAP Asset Reporting Format (ARF 1.1) from OpenSCAP: XCCDF results, assets, OVAL values"
    }

    fn detect(&self, head: &Head) -> bool {
        match head.xml_root() {
            Some((root, ns)) if root == "asset-report-collection" => match ns {
                Some(ns) => ns == NS,
                None => head.contains(NS),
            },
            _ => false,
        }
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        crate::ingest::xml::pipe_verbatim(input, path, "arf", &["fix", "fixtext"], |xs| {
            xs.root("asset-report-collection", "an ARF asset-report-collection")?;
            let mut ctx = Ctx::default();
            each_child(xs, |xs, s| {
                match s.name.as_str() {
                    "relationships" => relationships(xs, &mut ctx)?,
                    "report-requests" => descend(xs, &mut ctx, None)?,
                    "assets" => {
                        each_child(xs, |xs, a| {
                            if a.name == "asset"
                                && let Some(id) = a.attr("id")
                            {
                                let id = id.to_string();
                                let mut asset = Asset::default();
                                computing_device(xs, &mut asset)?;
                                ctx.assets.insert(id, asset);
                            }
                            Ok(())
                        })?;
                    }
                    "reports" => {
                        each_child(xs, |xs, r| {
                            if r.name == "report" {
                                let id = r.attr("id").map(str::to_string);
                                descend(xs, &mut ctx, id.as_deref())?;
                            }
                            Ok(())
                        })?;
                    }
                    _ => {}
                }
                Ok(())
            })?;
            while xs.next_event()?.is_some() {}

            let Ctx {
                mut defs,
                runs,
                assets,
                about,
                observed,
            } = ctx;
            let observe = |raw: &scap::Raw, def: Option<&scap::RuleDef>| {
                if !raw.evaluated() {
                    return Vec::new();
                }
                let names: Vec<&str> = if raw.checks.is_empty() {
                    def.map(|d| d.checks.iter().map(String::as_str).collect())
                        .unwrap_or_default()
                } else {
                    raw.checks.iter().map(String::as_str).collect()
                };
                names
                    .iter()
                    .filter_map(|n| observed.by_definition.get(*n))
                    .flatten()
                    .cloned()
                    .collect()
            };
            let n = runs.len();
            Ok(runs
                .into_iter()
                .enumerate()
                .map(|(i, (report, run))| {
                    let asset = report
                        .as_ref()
                        .and_then(|r| about.get(r))
                        .and_then(|ids| ids.iter().find_map(|id| assets.get(id)))
                        .or_else(|| run.asset_ref.as_ref().and_then(|id| assets.get(id)))
                        .and_then(Asset::name);
                    run.finish("arf", &mut defs, i + 1 == n, asset, &observe)
                })
                .collect())
        })
    }
}

fn relationships<R: BufRead>(xs: &mut XmlStream<R>, ctx: &mut Ctx) -> Result<(), IngestError> {
    each_child(xs, |xs, r| {
        if r.name != "relationship" {
            return Ok(());
        }
        let kind = r.attr("type").unwrap_or("");
        let kind = kind
            .rsplit([':', '#', '/'])
            .next()
            .unwrap_or(kind)
            .to_string();
        let subject = r.attr("subject").unwrap_or("").to_string();
        let mut refs = Vec::new();
        each_child(xs, |xs, c| {
            if c.name == "ref" {
                refs.push(text(xs)?);
            }
            Ok(())
        })?;
        if kind == "isAbout" {
            ctx.about.entry(subject).or_default().extend(refs);
        }
        Ok(())
    })?;
    Ok(())
}

/// An asset's computing device: its names and addresses.
fn computing_device<R: BufRead>(
    xs: &mut XmlStream<R>,
    asset: &mut Asset,
) -> Result<(), IngestError> {
    each_child(xs, |xs, c| {
        match c.name.as_str() {
            "fqdn" => {
                let t = text(xs)?;
                if asset.fqdn.is_none() && !t.is_empty() {
                    asset.fqdn = Some(t);
                }
            }
            "hostname" => {
                let t = text(xs)?;
                if asset.hostname.is_none() && !t.is_empty() {
                    asset.hostname = Some(t);
                }
            }
            "ip-v4" | "ip-v6" => {
                let t = text(xs)?;
                if !t.is_empty() && asset.ips.len() < 16 {
                    asset.ips.push(t);
                }
            }
            // Descend through computing-device, connections, connection,
            // ip-address; other asset kinds have none of these.
            "computing-device" | "connections" | "connection" | "ip-address" => {
                computing_device(xs, asset)?
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(())
}

/// Looks through a report request or a report for benchmarks, test results
/// and OVAL results.
fn descend<R: BufRead>(
    xs: &mut XmlStream<R>,
    ctx: &mut Ctx,
    report: Option<&str>,
) -> Result<(), IngestError> {
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "Benchmark" => {
                let mut runs = Vec::new();
                scap::benchmark(xs, s, &mut ctx.defs, &mut runs)?;
                ctx.runs
                    .extend(runs.into_iter().map(|r| (report.map(str::to_string), r)));
            }
            "TestResult" => {
                let run = scap::test_result(xs, s)?;
                ctx.runs.push((report.map(str::to_string), run));
            }
            "oval_results" => {
                let wanted: HashSet<String> = ctx
                    .runs
                    .iter()
                    .flat_map(|(_, r)| r.wanted_definitions(&ctx.defs))
                    .map(str::to_string)
                    .collect();
                oval::read(xs, &wanted, &mut ctx.observed)?;
            }
            // Large and of no use here.
            "oval_definitions"
            | "cpe-list"
            | "ocil"
            | "Tailoring"
            | "oval_system_characteristics" => {}
            _ => descend(xs, ctx, report)?,
        }
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ScanResult;

    const ARF: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<arf:asset-report-collection xmlns:arf="http://scap.nist.gov/schema/asset-reporting-format/1.1" xmlns:core="http://scap.nist.gov/schema/reporting-core/1.1" xmlns:ai="http://scap.nist.gov/schema/asset-identification/1.1">
  <core:relationships xmlns:arfvocab="http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#">
    <core:relationship type="arfvocab:createdFor" subject="xccdf1"><core:ref>collection1</core:ref></core:relationship>
    <core:relationship type="arfvocab:isAbout" subject="xccdf1"><core:ref>asset0</core:ref></core:relationship>
  </core:relationships>
  <arf:report-requests><arf:report-request id="collection1"><arf:content>
    <ds:data-stream-collection xmlns:ds="http://scap.nist.gov/schema/scap/source/1.2" id="c">
      <ds:component id="oval-comp"><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions><definition id="oval:ssg-sshd:def:1"/></definitions></oval_definitions></ds:component>
      <ds:component id="xccdf-comp">
        <Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.ssgproject.content_benchmark_RHEL-8">
          <Group id="xccdf_org.ssgproject.content_group_ssh"><title>SSH</title>
            <Rule id="xccdf_org.ssgproject.content_rule_sshd_disable_root_login" severity="medium">
              <title>Disable SSH Root Login</title>
              <reference href="https://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf">AC-6(2)</reference>
              <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5"><check-content-ref name="oval:ssg-sshd_disable_root_login:def:1" href="ssg-rhel8-oval.xml"/></check>
            </Rule>
            <Rule id="xccdf_org.ssgproject.content_rule_package_telnet_removed" severity="high">
              <title>Uninstall telnet</title>
              <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5"><check-content-ref name="oval:ssg-package_telnet_removed:def:1" href="ssg-rhel8-oval.xml"/></check>
            </Rule>
            <Rule id="xccdf_org.ssgproject.content_rule_unselected"><title>Not selected</title>
              <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5"><check-content-ref name="oval:ssg-package_telnet_removed:def:1"/></check>
            </Rule>
          </Group>
        </Benchmark>
      </ds:component>
    </ds:data-stream-collection>
  </arf:content></arf:report-request></arf:report-requests>
  <arf:assets>
    <arf:asset id="asset0"><ai:computing-device>
      <ai:connections><ai:connection><ai:ip-address><ai:ip-v4>10.1.2.3</ai:ip-v4></ai:ip-address></ai:connection></ai:connections>
      <ai:fqdn>web01.example.org</ai:fqdn><ai:hostname>web01</ai:hostname>
    </ai:computing-device></arf:asset>
  </arf:assets>
  <arf:reports>
    <arf:report id="xccdf1"><arf:content>
      <TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.open-scap_testresult_stig" start-time="2024-01-01T00:00:00+00:00" end-time="2024-01-01T00:01:00+00:00" test-system="cpe:/a:redhat:openscap:1.3.10">
        <benchmark href="#scap_org.open-scap_comp_ssg-rhel8-xccdf.xml" id="xccdf_org.ssgproject.content_benchmark_RHEL-8"/>
        <profile idref="xccdf_org.ssgproject.content_profile_stig"/>
        <target>localhost</target>
        <target-id-ref system="http://scap.nist.gov/schema/asset-identification/1.1" name="asset0" href=""/>
        <rule-result idref="xccdf_org.ssgproject.content_rule_sshd_disable_root_login" severity="medium">
          <result>fail</result>
          <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5"><check-content-ref name="oval:ssg-sshd_disable_root_login:def:1" href="#oval0"/></check>
        </rule-result>
        <rule-result idref="xccdf_org.ssgproject.content_rule_package_telnet_removed" severity="high"><result>pass</result></rule-result>
        <rule-result idref="xccdf_org.ssgproject.content_rule_unselected"><result>notselected</result></rule-result>
      </TestResult>
    </arf:content></arf:report>
    <arf:report id="oval0"><arf:content>
      <oval_results xmlns="http://oval.mitre.org/XMLSchema/oval-results-5">
        <oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"/>
        <results><system>
          <definitions>
            <definition definition_id="oval:ssg-sshd_disable_root_login:def:1" result="false"><criteria><criterion test_ref="oval:ssg-test_sshd_root:tst:1" result="false"/></criteria></definition>
            <definition definition_id="oval:ssg-package_telnet_removed:def:1" result="true"><criteria><criterion test_ref="oval:ssg-test_telnet:tst:1" result="true"/></criteria></definition>
          </definitions>
          <tests>
            <test test_id="oval:ssg-test_sshd_root:tst:1" check="all" result="false"><tested_item item_id="1" result="false"/></test>
            <test test_id="oval:ssg-test_telnet:tst:1" check_existence="none_exist" check="all" result="true"/>
          </tests>
          <oval_system_characteristics xmlns:ind-sys="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#independent">
            <system_data>
              <ind-sys:textfilecontent_item id="1" status="exists"><ind-sys:filepath>/etc/ssh/sshd_config</ind-sys:filepath><ind-sys:text>PermitRootLogin yes</ind-sys:text><ind-sys:subexpression>yes</ind-sys:subexpression></ind-sys:textfilecontent_item>
            </system_data>
          </oval_system_characteristics>
        </system></results>
      </oval_results>
    </arf:content></arf:report>
  </arf:reports>
</arf:asset-report-collection>"##;

    #[test]
    fn results_with_their_asset_and_oval_values() {
        assert!(Arf.detect(&Head::new(ARF.as_bytes())));
        let scans = Arf
            .read(&mut ARF.as_bytes(), Path::new("arf.xml"))
            .expect("reads");
        assert_eq!(scans.len(), 1);
        let s = &scans[0];
        assert_eq!(s.format, "arf");
        assert_eq!(s.tool, "OpenSCAP");
        assert_eq!(
            s.profile.as_deref(),
            Some("xccdf_org.ssgproject.content_profile_stig")
        );
        let ssh = &s.results[0];
        assert_eq!(ssh.target, "web01.example.org");
        assert_eq!(ssh.result, ScanResult::Fail);
        assert_eq!(ssh.title.as_deref(), Some("Disable SSH Root Login"));
        assert_eq!(ssh.refs.nist, vec!["AC-6(2)"]);
        assert_eq!(ssh.observed.len(), 1);
        assert_eq!(ssh.observed[0].name, "textfilecontent /etc/ssh/sshd_config");
        assert_eq!(ssh.observed[0].actual.as_deref(), Some("yes"));
        // The rule-result names no check: its rule's check is used.
        let telnet = &s.results[1];
        assert_eq!(telnet.result, ScanResult::Pass);
        assert_eq!(telnet.observed[0].name, "oval:ssg-test_telnet:tst:1");
        assert_eq!(telnet.observed[0].actual.as_deref(), Some("no item found"));
        // A rule that did not run has no values.
        assert_eq!(s.results[2].result, ScanResult::Notapplicable);
        assert!(s.results[2].observed.is_empty());
    }

    #[test]
    fn without_an_asset_the_test_results_target() {
        let xml = ARF
            .replace("<core:ref>asset0</core:ref>", "<core:ref>asset9</core:ref>")
            .replace("name=\"asset0\"", "name=\"asset9\"");
        let scans = Arf
            .read(&mut xml.as_bytes(), Path::new("arf.xml"))
            .expect("reads");
        assert_eq!(scans[0].results[0].target, "localhost");
        assert!(!Arf.detect(&Head::new(
            b"<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\"/>"
        )));
    }
}
