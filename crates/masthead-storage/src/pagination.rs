/// A page of a list, counted from 1, as in Ghost's `?page=&limit=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub limit: u32,
}

impl PageRequest {
    pub fn new(page: u32, limit: u32) -> Self {
        Self { page: page.max(1), limit: limit.clamp(1, 100) }
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.limit)
    }
}

/// One page of results with Ghost's pagination fields.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub limit: u32,
    pub pages: u32,
    pub total: u64,
    pub next: Option<u32>,
    pub prev: Option<u32>,
}

impl<T> Paginated<T> {
    pub fn new(items: Vec<T>, request: PageRequest, total: u64) -> Self {
        let pages = total.div_ceil(u64::from(request.limit)).max(1) as u32;
        Self {
            items,
            page: request.page,
            limit: request.limit,
            pages,
            total,
            next: (request.page < pages).then_some(request.page + 1),
            // As Ghost: a list that fits on one page has no previous page, whatever page was asked
            // for (`limit=all&page=2`).
            prev: (pages > 1 && request.page > 1).then_some(request.page - 1),
        }
    }
}

/// A `WHERE` clause built from optional filters, with its parameters numbered `$1`, `$2`, ...
/// in order. Templates mark their one parameter with `?`.
pub(crate) struct Conditions {
    parts: Vec<String>,
    pub params: Vec<String>,
}

impl Conditions {
    pub fn new(always: &str) -> Self {
        Self { parts: vec![always.to_owned()], params: Vec::new() }
    }

    /// Adds `template` with `value` as its parameter; every `?` in it stands for that parameter.
    pub fn push(&mut self, template: &str, value: String) {
        self.params.push(value);
        self.parts.push(template.replace('?', &format!("${}", self.params.len())));
    }

    /// A `LIKE` pattern matching `text` anywhere, lower-cased, with wildcards escaped.
    pub fn contains(text: &str) -> String {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    }

    pub fn sql(&self) -> String {
        self.parts.join(" AND ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_fields_follow_ghost() {
        let p = Paginated::new(vec![(); 15], PageRequest::new(1, 15), 44);
        assert_eq!((p.pages, p.next, p.prev), (3, Some(2), None));
        let p = Paginated::new(vec![(); 14], PageRequest::new(3, 15), 44);
        assert_eq!((p.pages, p.next, p.prev), (3, None, Some(2)));
        let p = Paginated::<()>::new(vec![], PageRequest::new(1, 15), 0);
        assert_eq!((p.pages, p.next, p.prev), (1, None, None));
        // `limit=all&page=2` of a list that fits on one page: no previous page, as in Ghost.
        let p = Paginated::<()>::new(vec![], PageRequest::new(2, 100), 46);
        assert_eq!((p.pages, p.next, p.prev), (1, None, None));
        assert_eq!(PageRequest::new(0, 500), PageRequest { page: 1, limit: 100 });
    }

    #[test]
    fn conditions_number_their_parameters() {
        let mut c = Conditions::new("1 = 1");
        c.push("a = ?", "x".into());
        c.push("(b LIKE ? OR c LIKE ?)", Conditions::contains("50%_off"));
        assert_eq!(c.sql(), "1 = 1 AND a = $1 AND (b LIKE $2 OR c LIKE $2)");
        assert_eq!(c.params, ["x", "%50\\%\\_off%"]);
    }
}
