/// A stacked bar chart of allowed and denied transactions per day, drawn as SVG on the server (no
/// script), with a title and description for screen readers.
struct ActivityChart {
    let labels: [String]
    let allowed: [Int]
    let denied: [Int]

    func svg() -> String {
        let width = 720, height = 260, left = 44, bottom = 36, top = 16
        let plotHeight = height - bottom - top
        let totals = zip(allowed, denied).map { $0 + $1 }
        let peak = max(1, totals.max() ?? 1)
        let slot = (width - left - 8) / max(1, labels.count)
        let barWidth = max(4, slot * 2 / 3)
        let total = totals.reduce(0, +)
        let deniedTotal = denied.reduce(0, +)
        var parts: [String] = [
            #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" role="img" aria-labelledby="chart-title chart-desc">"#,
            #"<title id="chart-title">Transactions per day, last \#(labels.count) days</title>"#,
            #"<desc id="chart-desc">\#(total) transactions, of which \#(deniedTotal) denied.</desc>"#,
            #"<line x1="\#(left)" y1="\#(top + plotHeight)" x2="\#(width - 4)" y2="\#(top + plotHeight)" stroke="rgb(85,85,85)"/>"#,
            #"<text x="4" y="\#(top + 10)" font-size="13" fill="rgb(51,51,51)">\#(peak)</text>"#,
            #"<text x="4" y="\#(top + plotHeight)" font-size="13" fill="rgb(51,51,51)">0</text>"#,
        ]
        for index in labels.indices {
            let x = left + index * slot + (slot - barWidth) / 2
            let allowedHeight = allowed[index] * plotHeight / peak
            let deniedHeight = denied[index] * plotHeight / peak
            let base = top + plotHeight
            parts.append(#"<rect x="\#(x)" y="\#(base - allowedHeight)" width="\#(barWidth)" height="\#(allowedHeight)" fill="rgb(47,111,159)"><title>\#(labels[index]): \#(allowed[index]) allowed</title></rect>"#)
            parts.append(#"<rect x="\#(x)" y="\#(base - allowedHeight - deniedHeight)" width="\#(barWidth)" height="\#(deniedHeight)" fill="rgb(179,54,30)"><title>\#(labels[index]): \#(denied[index]) denied</title></rect>"#)
            parts.append(#"<text x="\#(x + barWidth / 2)" y="\#(height - 18)" font-size="12" text-anchor="middle" fill="rgb(51,51,51)">\#(labels[index])</text>"#)
        }
        parts.append(#"<rect x="\#(left)" y="\#(height - 12)" width="10" height="10" fill="rgb(47,111,159)"/><text x="\#(left + 14)" y="\#(height - 3)" font-size="13" fill="rgb(51,51,51)">allowed</text>"#)
        parts.append(#"<rect x="\#(left + 80)" y="\#(height - 12)" width="10" height="10" fill="rgb(179,54,30)"/><text x="\#(left + 94)" y="\#(height - 3)" font-size="13" fill="rgb(51,51,51)">denied</text>"#)
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
