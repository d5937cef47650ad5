use super::text::text_width;
use super::*;

#[test]
fn nice_lengths() {
    assert_eq!(nice_length(730.0), 500.0);
    assert_eq!(nice_length(2100.0), 2000.0);
    assert_eq!(nice_length(1000.0), 1000.0);
    assert_eq!(nice_length(0.3), 0.2);
}

#[test]
fn classes() {
    assert_eq!([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 9.0].map(missing_class), [0, 1, 2, 3, 3, 4, 4]);
    assert_eq!([0.0, 0.1, 0.25, 0.5, 0.7, 1.0].map(uncovered_class), [0, 1, 1, 2, 3, 4]);
}

#[test]
fn legend_text_fits() {
    assert_eq!(fit("short", 10.0, 100.0), (10.0, "short".to_owned()));
    let (size, text) = fit("Sub-district community service centre (2,000)", 12.0, 200.0);
    assert!((8.6..12.0).contains(&size), "{size}");
    assert!(text_width(&text, size) <= 200.0, "{text} at {size}");
    let (_, cut) = fit("社区服务中心(街道级)社区服务中心(街道级)社区服务中心", 12.0, 100.0);
    assert!(cut.ends_with('…') && text_width(&cut, 12.0 * 0.72) <= 100.0, "{cut}");
}

#[test]
fn wrapping_keeps_every_character() {
    let text = "Data: © OpenStreetMap contributors, ODbL 1.0; 数据来源与版权 社区生活圈缺口报告";
    let lines = wrap(text, 10.0, 120.0);
    assert!(lines.len() > 1);
    assert!(lines.iter().all(|l| text_width(l, 10.0) <= 120.0 + 10.0), "{lines:?}");
    let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
    assert_eq!(joined, text.chars().filter(|c| *c != ' ').collect::<String>());
}
