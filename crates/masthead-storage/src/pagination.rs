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
            prev: (request.page > 1).then_some(request.page - 1),
        }
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
        assert_eq!(PageRequest::new(0, 500), PageRequest { page: 1, limit: 100 });
    }
}
